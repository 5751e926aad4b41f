package io.concord.jdbc;

import org.jboss.tm.XAResourceWrapper;

/** An XAResource handed to a recovery scan; it owns a connection that {@link #close()} frees. */
interface ScanResource extends XAResourceWrapper, AutoCloseable {
  @Override
  void close();
}
