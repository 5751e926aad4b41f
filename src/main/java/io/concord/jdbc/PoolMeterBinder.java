package io.concord.jdbc;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.FunctionTimer;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;

/**
 * Publishes a {@link ConcordDataSource}'s {@link PoolMetrics} to Micrometer, tagged {@code
 * pool=<resource name>}. Micrometer is an optional dependency: only applications that create this
 * binder need it on the class path.
 *
 * <p>Meters: gauges {@code concord.pool.connections.active}, {@code .idle}, {@code .pending},
 * {@code .total}, {@code .max}; counters {@code concord.pool.connections.timeouts}, {@code
 * .created}, {@code .evicted}, {@code .leaks}; timer {@code concord.pool.connections.acquire}
 * (count and total time of successful borrows).
 */
public final class PoolMeterBinder implements MeterBinder {
  private static final String PREFIX = "concord.pool.connections.";

  private final ConcordDataSource dataSource;

  public PoolMeterBinder(ConcordDataSource dataSource) {
    this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
  }

  @Override
  public void bindTo(MeterRegistry registry) {
    String pool = dataSource.resourceName();
    gauge(
        registry,
        pool,
        "active",
        "connections borrowed or pinned to a transaction",
        m -> m.active());
    gauge(registry, pool, "idle", "connections ready to be borrowed", m -> m.idle());
    gauge(registry, pool, "pending", "threads waiting for a connection", m -> m.pending());
    gauge(registry, pool, "total", "physical connections open", m -> m.total());
    gauge(registry, pool, "max", "the configured maximum", m -> m.maxSize());
    counter(registry, pool, "timeouts", "borrows that timed out", m -> m.timeouts());
    counter(registry, pool, "created", "physical connections opened", m -> m.created());
    counter(registry, pool, "evicted", "physical connections closed by the pool", m -> m.evicted());
    counter(
        registry, pool, "leaks", "borrows held past the leak threshold", m -> m.leaksDetected());
    FunctionTimer.builder(
            PREFIX + "acquire",
            dataSource,
            ds -> ds.metrics().acquisitions(),
            ds -> ds.metrics().acquisitionNanosTotal(),
            TimeUnit.NANOSECONDS)
        .tag("pool", pool)
        .description("time to borrow a connection")
        .register(registry);
  }

  private void gauge(
      MeterRegistry registry,
      String pool,
      String name,
      String description,
      ToDoubleFunction<PoolMetrics> value) {
    Gauge.builder(PREFIX + name, dataSource, ds -> value.applyAsDouble(ds.metrics()))
        .tag("pool", pool)
        .description(description)
        .register(registry);
  }

  private void counter(
      MeterRegistry registry,
      String pool,
      String name,
      String description,
      ToDoubleFunction<PoolMetrics> value) {
    FunctionCounter.builder(PREFIX + name, dataSource, ds -> value.applyAsDouble(ds.metrics()))
        .tag("pool", pool)
        .description(description)
        .register(registry);
  }
}
