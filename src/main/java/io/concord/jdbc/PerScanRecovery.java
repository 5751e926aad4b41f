package io.concord.jdbc;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;
import javax.transaction.xa.XAResource;
import org.jboss.tm.XAResourceRecovery;

/**
 * What a DataSource registers with an {@link org.jboss.tm.XAResourceRecoveryRegistry}. Every {@link
 * #getXAResources()} call starts a scan and returns one fresh resource whose connection is opened
 * on its first XA call. Connections are released in three ways: the next scan's getXAResources()
 * closes the resources of the previous one (so a recovery manager that finishes a scan with
 * commit/rollback calls on those resources has them open until then); a caller that knows it is
 * done may close a resource itself (they implement {@link AutoCloseable}); and closing the
 * DataSource closes whatever is still open.
 */
final class PerScanRecovery implements XAResourceRecovery {
  private final Supplier<ScanResource> factory;
  private final List<ScanResource> handedOut = new CopyOnWriteArrayList<>();
  private volatile boolean closed;

  PerScanRecovery(Supplier<ScanResource> factory) {
    this.factory = factory;
  }

  @Override
  public XAResource[] getXAResources() {
    closeHandedOut();
    if (closed) {
      return new XAResource[0];
    }
    ScanResource resource = factory.get();
    handedOut.add(resource);
    return new XAResource[] {resource};
  }

  int openResources() {
    return handedOut.size();
  }

  private void closeHandedOut() {
    for (ScanResource resource : handedOut) {
      handedOut.remove(resource);
      resource.close();
    }
  }

  void close() {
    closed = true;
    closeHandedOut();
  }
}
