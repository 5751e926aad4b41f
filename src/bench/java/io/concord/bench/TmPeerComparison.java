package io.concord.bench;

import com.arjuna.ats.arjuna.common.ObjectStoreEnvironmentBean;
import com.arjuna.ats.arjuna.common.arjPropertyManager;
import com.arjuna.ats.internal.arjuna.objectstore.hornetq.HornetqJournalEnvironmentBean;
import com.arjuna.ats.internal.arjuna.objectstore.hornetq.HornetqObjectStoreAdaptor;
import com.arjuna.common.internal.util.propertyservice.BeanPopulator;
import com.atomikos.datasource.xa.XATransactionalResource;
import com.atomikos.icatch.config.Configuration;
import com.atomikos.icatch.jta.UserTransactionManager;
import io.concord.cli.TmWorkload;
import io.concord.log.ForceMode;
import io.concord.log.LogOptions;
import io.concord.log.TransactionLog;
import io.concord.tm.ConcordTransactionManager;
import jakarta.transaction.TransactionManager;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.transaction.xa.XAResource;

/**
 * Runs the {@code concord bench tm} workload — begin, enlist two no-op XA resources, commit, a real
 * two-phase commit with a durable log — on Concord, Narayana (default {@code
 * ShadowNoFileLockStore} and the Artemis journal store, both with their default durability
 * settings) and Atomikos TransactionsEssentials, each in its own JVM (their configuration is
 * JVM-global), and prints tx/s per thread count and Concord's ratio to each peer.
 *
 * <p>Run: {@code mvn -Pbench -o test-compile exec:exec -Dbench.args="--threads 1,4,16,64 --seconds
 * 20 --dir /var/tmp/concord-bench"}. Options: {@code --threads}, {@code --seconds}, {@code
 * --warmup-seconds}, {@code --dir} (on the disk to measure), {@code --systems} (comma-separated
 * subset of {@value #ALL_SYSTEMS}).
 */
public final class TmPeerComparison {
  static final String ALL_SYSTEMS = "concord,narayana-file,narayana-journal,atomikos";
  private static final Pattern JSON_FIELD =
      Pattern.compile("\"(system|threads|txPerSecond|p99Micros|allocatedBytesPerTx)\":\"?([^,\"}]+)");

  private TmPeerComparison() {}

  public static void main(String[] args) throws Exception {
    Map<String, String> options = parse(args);
    List<Integer> threads =
        Arrays.stream(options.getOrDefault("threads", "1,4,16,64").split(","))
            .map(String::trim)
            .map(Integer::valueOf)
            .toList();
    int seconds = Integer.parseInt(options.getOrDefault("seconds", "20"));
    int warmup = Integer.parseInt(options.getOrDefault("warmup-seconds", "5"));
    Path dir =
        Path.of(
            options.getOrDefault(
                "dir", System.getProperty("java.io.tmpdir") + "/concord-tm-comparison"));
    Files.createDirectories(dir);
    String child = options.get("child");
    if (child != null) {
      runChild(child, threads, warmup, seconds, dir);
      return;
    }
    List<String> systems = List.of(options.getOrDefault("systems", ALL_SYSTEMS).split(","));
    System.out.println(
        "Concord TM comparison: threads " + threads + ", " + seconds + " s each (+" + warmup
            + " s warm-up), log directories under " + dir);
    TmWorkload.Result floor = TmWorkload.fsyncFloor(dir, Duration.ofSeconds(Math.min(5, seconds)));
    System.out.println(floor.toText());
    Map<String, Map<Integer, TmWorkload.Result>> results = new LinkedHashMap<>();
    for (String system : systems) {
      results.put(system, fork(system, threads, warmup, seconds, dir));
    }
    printTable(threads, floor, results);
  }

  private static Map<String, String> parse(String[] args) {
    Map<String, String> options = new LinkedHashMap<>();
    for (int i = 0; i < args.length; i++) {
      if (!args[i].startsWith("--") || i + 1 >= args.length) {
        throw new IllegalArgumentException(
            "expected --option value pairs, got " + Arrays.toString(args));
      }
      options.put(args[i].substring(2), args[++i]);
    }
    return options;
  }

  /** Runs one system in a fresh JVM with the same class path; reads its JSON lines. */
  private static Map<Integer, TmWorkload.Result> fork(
      String system, List<Integer> threads, int warmup, int seconds, Path dir)
      throws IOException, InterruptedException {
    Path systemDir = Files.createTempDirectory(dir, system + "-");
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(List.of("-Xms1g", "-Xmx1g", "-cp", System.getProperty("java.class.path")));
    command.add(TmPeerComparison.class.getName());
    command.addAll(
        List.of(
            "--child", system,
            "--threads", String.join(",", threads.stream().map(String::valueOf).toList()),
            "--warmup-seconds", String.valueOf(warmup),
            "--seconds", String.valueOf(seconds),
            "--dir", systemDir.toString()));
    Process process =
        new ProcessBuilder(command)
            .redirectError(systemDir.resolve("stderr.log").toFile())
            .start();
    Map<Integer, TmWorkload.Result> results = new LinkedHashMap<>();
    try (BufferedReader out =
        new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = out.readLine()) != null) {
        if (line.startsWith("{")) {
          TmWorkload.Result result = fromJson(line);
          results.put(result.threads(), result);
          System.out.println(result.toText());
        }
      }
    }
    int exit = process.waitFor();
    if (exit != 0) {
      System.out.println(
          system + " failed (exit " + exit + "); see " + systemDir.resolve("stderr.log"));
    }
    return results;
  }

  private static TmWorkload.Result fromJson(String line) {
    Map<String, String> fields = new LinkedHashMap<>();
    Matcher matcher = JSON_FIELD.matcher(line);
    while (matcher.find()) {
      fields.put(matcher.group(1), matcher.group(2));
    }
    return new TmWorkload.Result(
        fields.get("system"),
        Integer.parseInt(fields.get("threads")),
        0,
        0,
        Double.parseDouble(fields.get("txPerSecond")),
        Long.parseLong(fields.get("p99Micros")),
        Long.parseLong(fields.get("allocatedBytesPerTx")));
  }

  private static void printTable(
      List<Integer> threads,
      TmWorkload.Result floor,
      Map<String, Map<Integer, TmWorkload.Result>> results) {
    List<String> systems = new ArrayList<>(results.keySet());
    StringBuilder header = new StringBuilder(String.format(Locale.ROOT, "%-8s", "threads"));
    for (String system : systems) {
      header.append(String.format(Locale.ROOT, " %18s", system + " tx/s"));
    }
    List<String> peers = systems.stream().filter(s -> !s.equals("concord")).toList();
    for (String peer : peers) {
      header.append(String.format(Locale.ROOT, " %20s", "concord/" + peer));
    }
    System.out.println();
    System.out.println(header);
    for (int n : threads) {
      StringBuilder row = new StringBuilder(String.format(Locale.ROOT, "%-8d", n));
      for (String system : systems) {
        TmWorkload.Result r = results.get(system).get(n);
        row.append(String.format(Locale.ROOT, " %18s", r == null ? "-" : String.format(Locale.ROOT, "%.0f", r.txPerSecond())));
      }
      TmWorkload.Result ours = results.getOrDefault("concord", Map.of()).get(n);
      for (String peer : peers) {
        TmWorkload.Result theirs = results.get(peer).get(n);
        String ratio =
            ours == null || theirs == null || theirs.txPerSecond() == 0
                ? "-"
                : String.format(Locale.ROOT, "%.2fx", ours.txPerSecond() / theirs.txPerSecond());
        row.append(String.format(Locale.ROOT, " %20s", ratio));
      }
      System.out.println(row);
    }
    TmWorkload.Result single = results.getOrDefault("concord", Map.of()).get(1);
    if (single != null) {
      System.out.printf(
          Locale.ROOT,
          "%nfsync floor %.0f/s; Concord at 1 thread = %.0f %% of it%n",
          floor.txPerSecond(),
          100 * single.txPerSecond() / floor.txPerSecond());
    }
  }

  // ---------------------------------------------------------------- children

  private static void runChild(
      String system, List<Integer> threads, int warmup, int seconds, Path dir) throws Exception {
    try (SystemUnderTest sut = start(system, dir)) {
      for (int n : threads) {
        TmWorkload.Result result =
            TmWorkload.run(
                system,
                sut.tm(),
                n,
                Duration.ofSeconds(warmup),
                Duration.ofSeconds(seconds),
                i -> new TmWorkload.NoOpResource("bench-" + (char) ('a' + i)));
        System.out.println(result.toJson());
        System.out.flush();
      }
    }
  }

  private interface SystemUnderTest extends AutoCloseable {
    TransactionManager tm();

    @Override
    void close() throws Exception;
  }

  private static SystemUnderTest start(String system, Path dir) throws Exception {
    return switch (system) {
      case "concord" -> concord(dir);
      case "narayana-file" -> narayana(dir, false);
      case "narayana-journal" -> narayana(dir, true);
      case "atomikos" -> atomikos(dir);
      default -> throw new IllegalArgumentException("unknown system " + system + "; known: " + ALL_SYSTEMS);
    };
  }

  private static SystemUnderTest concord(Path dir) throws Exception {
    TransactionLog log =
        TransactionLog.open(
            LogOptions.builder(dir).nodeId("bench").forceMode(ForceMode.FDATASYNC).build());
    ConcordTransactionManager tm = ConcordTransactionManager.builder(log).nodeId("bench").build();
    return new SystemUnderTest() {
      @Override
      public TransactionManager tm() {
        return tm;
      }

      @Override
      public void close() {
        tm.close();
        log.close();
      }
    };
  }

  private static SystemUnderTest narayana(Path dir, boolean journal) {
    for (String store : new String[] {null, "communicationStore", "stateStore"}) {
      ObjectStoreEnvironmentBean bean =
          store == null
              ? BeanPopulator.getDefaultInstance(ObjectStoreEnvironmentBean.class)
              : BeanPopulator.getNamedInstance(ObjectStoreEnvironmentBean.class, store);
      bean.setObjectStoreDir(dir.toString());
      if (journal) {
        bean.setObjectStoreType(HornetqObjectStoreAdaptor.class.getName());
      }
    }
    if (journal) {
      // Every store (default, communication, state) has its own journal bean; left alone, the
      // named ones write a HornetqJournalStore directory into the working directory.
      for (String store : new String[] {null, "communicationStore", "stateStore"}) {
        HornetqJournalEnvironmentBean bean =
            store == null
                ? BeanPopulator.getDefaultInstance(HornetqJournalEnvironmentBean.class)
                : BeanPopulator.getNamedInstance(HornetqJournalEnvironmentBean.class, store);
        bean.setStoreDir(dir.resolve(store == null ? "journal" : "journal-" + store).toString());
      }
    }
    try {
      arjPropertyManager.getCoreEnvironmentBean().setNodeIdentifier("bench");
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
    TransactionManager tm = com.arjuna.ats.jta.TransactionManager.transactionManager();
    return new SystemUnderTest() {
      @Override
      public TransactionManager tm() {
        return tm;
      }

      @Override
      public void close() {}
    };
  }

  /** Atomikos enlists only XAResources that a registered, recoverable resource recognises. */
  private static final class NoOpRecoverable extends XATransactionalResource {
    NoOpRecoverable(String name) {
      super(name);
    }

    @Override
    protected XAResource refreshXAConnection() {
      return new TmWorkload.NoOpResource(getName());
    }
  }

  private static SystemUnderTest atomikos(Path dir) throws Exception {
    System.setProperty("com.atomikos.icatch.log_base_dir", dir.toString());
    System.setProperty("com.atomikos.icatch.tm_unique_name", "bench");
    System.setProperty("com.atomikos.icatch.max_actives", "-1");
    System.setProperty("com.atomikos.icatch.default_jta_timeout", "60000");
    System.setProperty("com.atomikos.icatch.registered", "true");
    UserTransactionManager tm = new UserTransactionManager();
    tm.init();
    Configuration.addResource(new NoOpRecoverable("bench-a"));
    Configuration.addResource(new NoOpRecoverable("bench-b"));
    return new SystemUnderTest() {
      @Override
      public TransactionManager tm() {
        return tm;
      }

      @Override
      public void close() {
        tm.close();
      }
    };
  }
}
