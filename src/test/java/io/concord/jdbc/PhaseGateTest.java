package io.concord.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.reflect.Proxy;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import javax.transaction.xa.XAResource;
import javax.transaction.xa.Xid;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.Test;
import org.postgresql.xa.PGXADataSource;

class PhaseGateTest {

  @Test
  void onlyH2IsSerialised() {
    assertThat(PhaseGate.forDataSource(new JdbcDataSource()).serialises()).isTrue();
    assertThat(PhaseGate.forDataSource(new PGXADataSource()).serialises()).isFalse();
  }

  @Test
  void aPrepareWaitsWhileAPreparedBranchCompletesOnH2() throws Exception {
    PhaseGate gate = PhaseGate.forDataSource(new JdbcDataSource());
    assertThat(prepareBlockedByCompletion(gate)).isTrue();
  }

  @Test
  void otherDatabasesPassStraightThrough() throws Exception {
    PhaseGate gate = PhaseGate.forDataSource(new PGXADataSource());
    assertThat(prepareBlockedByCompletion(gate)).isFalse();
  }

  @Test
  void preparesRunConcurrentlyWithEachOther() throws Exception {
    PhaseGate gate = PhaseGate.forDataSource(new JdbcDataSource());
    CountDownLatch inside = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      Future<?> first =
          pool.submit(
              () ->
                  gate.prepare(
                      () -> {
                        inside.countDown();
                        await(release);
                        return 0;
                      }));
      assertThat(inside.await(5, TimeUnit.SECONDS)).isTrue();
      Future<Integer> second = pool.submit(() -> gate.prepare(() -> 7));
      assertThat(second.get(5, TimeUnit.SECONDS)).isEqualTo(7);
      release.countDown();
      first.get(5, TimeUnit.SECONDS);
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void enlistedBranchesOfOneH2DataSourceShareTheGate() throws Exception {
    ResourceIdentity identity = new ResourceIdentity("h2").gatedFor(new JdbcDataSource());
    CountDownLatch committing = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    XAResource slowCommit =
        driver(
            method -> {
              if (method.equals("commit")) {
                committing.countDown();
                await(release);
              }
            });
    XAResource fast = driver(method -> {});
    EnlistedXAResource first = new EnlistedXAResource(slowCommit, identity);
    EnlistedXAResource second = new EnlistedXAResource(fast, identity);
    Xid a = new RecordedXid(1, new byte[] {1}, new byte[] {1});
    Xid b = new RecordedXid(1, new byte[] {2}, new byte[] {1});
    first.start(a, XAResource.TMNOFLAGS);
    first.end(a, XAResource.TMSUCCESS);
    first.prepare(a);
    second.start(b, XAResource.TMNOFLAGS);
    second.end(b, XAResource.TMSUCCESS);
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      Future<?> commit =
          pool.submit(
              () -> {
                first.commit(a, false);
                return null;
              });
      assertThat(committing.await(5, TimeUnit.SECONDS)).isTrue();
      Future<Integer> prepare = pool.submit(() -> second.prepare(b));
      assertThatThrownBy(() -> prepare.get(300, TimeUnit.MILLISECONDS))
          .as("prepare on the same H2 database waits for the phase-2 commit")
          .isInstanceOf(TimeoutException.class);
      release.countDown();
      commit.get(5, TimeUnit.SECONDS);
      assertThat(prepare.get(5, TimeUnit.SECONDS)).isEqualTo(XAResource.XA_OK);
    } finally {
      pool.shutdownNow();
    }
  }

  private static XAResource driver(Consumer<String> onCall) {
    return (XAResource)
        Proxy.newProxyInstance(
            PhaseGateTest.class.getClassLoader(),
            new Class<?>[] {XAResource.class},
            (proxy, method, args) -> {
              onCall.accept(method.getName());
              return switch (method.getName()) {
                case "prepare" -> XAResource.XA_OK;
                case "recover" -> new Xid[0];
                case "isSameRM", "setTransactionTimeout" -> false;
                case "getTransactionTimeout" -> 0;
                case "hashCode" -> System.identityHashCode(proxy);
                case "equals" -> proxy == args[0];
                case "toString" -> "driver";
                default -> null;
              };
            });
  }

  private static void await(CountDownLatch latch) {
    try {
      latch.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** True when a prepare could not run while a completion of a prepared branch was running. */
  private static boolean prepareBlockedByCompletion(PhaseGate gate) throws Exception {
    CountDownLatch completing = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      Future<?> completion =
          pool.submit(
              () ->
                  gate.completePrepared(
                      () -> {
                        completing.countDown();
                        await(release);
                        return null;
                      }));
      assertThat(completing.await(5, TimeUnit.SECONDS)).isTrue();
      Future<Integer> prepare = pool.submit(() -> gate.prepare(() -> 1));
      boolean blocked;
      try {
        prepare.get(300, TimeUnit.MILLISECONDS);
        blocked = false;
      } catch (TimeoutException e) {
        blocked = true;
      }
      release.countDown();
      completion.get(5, TimeUnit.SECONDS);
      assertThat(prepare.get(5, TimeUnit.SECONDS)).isEqualTo(1);
      return blocked;
    } finally {
      pool.shutdownNow();
    }
  }
}
