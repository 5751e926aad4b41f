package io.concord.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import io.concord.testing.DatabaseKind;
import io.concord.testing.TestDatabase;
import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * The lock-free bag under contention: many threads borrowing from a small pool never share a
 * physical connection, never open more than maxSize, and every connection comes back.
 */
class PoolConcurrencyTest {

  @Test
  void contendedBorrowersNeverShareAConnectionAndNeverExceedMaxSize() throws Exception {
    Jta jta = Jta.narayana();
    int threads = 8;
    int borrowsPerThread = 1500;
    try (TestDatabase db = TestDatabase.create(DatabaseKind.H2_MEM);
        ConcordDataSource pool =
            ConcordDataSource.builder(db.xaDataSource())
                .resourceName(db.name())
                .transactionManager(jta.transactionManager())
                .synchronizationRegistry(jta.registry())
                .maxSize(3)
                .acquisitionTimeout(Duration.ofSeconds(20))
                .build()) {
      Map<PooledConnection, Thread> holders = new ConcurrentHashMap<>();
      AtomicReference<String> violation = new AtomicReference<>();
      AtomicInteger maxTotal = new AtomicInteger();
      CountDownLatch start = new CountDownLatch(1);
      List<Thread> workers = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        Thread worker =
            new Thread(
                () -> {
                  try {
                    start.await();
                    for (int i = 0; i < borrowsPerThread; i++) {
                      try (Connection connection = pool.getConnection()) {
                        PooledConnection physical =
                            ((ConnectionHandle) connection).owner().pooled();
                        Thread previous = holders.putIfAbsent(physical, Thread.currentThread());
                        if (previous != null) {
                          violation.compareAndSet(
                              null, "shared with " + previous + " by " + Thread.currentThread());
                        }
                        maxTotal.accumulateAndGet(pool.metrics().total(), Math::max);
                        if (i % 100 == 0) {
                          connection.isValid(1);
                        }
                        holders.remove(physical, Thread.currentThread());
                      }
                    }
                  } catch (Exception e) {
                    violation.compareAndSet(null, e.toString());
                  }
                });
        worker.start();
        workers.add(worker);
      }
      start.countDown();
      for (Thread worker : workers) {
        worker.join();
      }
      assertThat(violation.get()).isNull();
      assertThat(maxTotal.get()).isLessThanOrEqualTo(3);
      PoolMetrics metrics = pool.metrics();
      assertThat(metrics.acquisitions()).isEqualTo((long) threads * borrowsPerThread);
      assertThat(metrics.active()).isZero();
      assertThat(metrics.pending()).isZero();
      assertThat(metrics.idle()).isEqualTo(metrics.total());
      assertThat(metrics.timeouts()).isZero();
    }
  }
}
