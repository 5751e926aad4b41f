package io.concord.tm;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.Objects;
import java.util.function.ToDoubleFunction;

/**
 * Publishes a manager's {@link TransactionStatistics} to Micrometer. Micrometer is an optional
 * dependency: this is the only class that refers to it, and nothing else loads it, so the manager
 * runs without Micrometer on the class path.
 *
 * <pre>{@code
 * new TransactionMetrics(tm.statistics(), Tags.of("node", tm.nodeId())).bindTo(registry);
 * }</pre>
 *
 * Meters: {@code concord.transactions.begun}, {@code concord.transactions.completed} tagged {@code
 * outcome} = committed / rolled-back / heuristic / in-doubt and, for committed, {@code kind} =
 * one-phase / two-phase / read-only; {@code concord.transactions.timed.out}; gauge {@code
 * concord.transactions.active}.
 */
public final class TransactionMetrics implements MeterBinder {
  private final TransactionStatistics statistics;
  private final Iterable<Tag> tags;

  public TransactionMetrics(TransactionStatistics statistics) {
    this(statistics, Tags.empty());
  }

  public TransactionMetrics(TransactionStatistics statistics, Iterable<Tag> tags) {
    this.statistics = Objects.requireNonNull(statistics, "statistics");
    this.tags = Objects.requireNonNull(tags, "tags");
  }

  @Override
  public void bindTo(MeterRegistry registry) {
    counter(
        registry, "concord.transactions.begun", "Transactions begun", Tags.empty(), s -> s.begun());
    completed(
        registry, Tags.of("outcome", "committed", "kind", "one-phase"), s -> s.committedOnePhase());
    completed(
        registry, Tags.of("outcome", "committed", "kind", "two-phase"), s -> s.committedTwoPhase());
    completed(
        registry, Tags.of("outcome", "committed", "kind", "read-only"), s -> s.committedReadOnly());
    completed(registry, Tags.of("outcome", "rolled-back"), s -> s.rolledBack());
    completed(registry, Tags.of("outcome", "heuristic"), s -> s.heuristic());
    completed(registry, Tags.of("outcome", "in-doubt"), s -> s.inDoubt());
    counter(
        registry,
        "concord.transactions.timed.out",
        "Transactions rolled back by their timeout",
        Tags.empty(),
        s -> s.timedOut());
    Gauge.builder("concord.transactions.active", statistics, s -> s.active())
        .description("Transactions begun and not yet completed")
        .tags(tags)
        .register(registry);
  }

  private void completed(
      MeterRegistry registry, Tags outcome, ToDoubleFunction<TransactionStatistics> value) {
    counter(
        registry,
        "concord.transactions.completed",
        "Transactions completed, by outcome",
        outcome,
        value);
  }

  private void counter(
      MeterRegistry registry,
      String name,
      String description,
      Tags extra,
      ToDoubleFunction<TransactionStatistics> value) {
    FunctionCounter.builder(name, statistics, value)
        .description(description)
        .tags(Tags.concat(tags, extra))
        .register(registry);
  }
}
