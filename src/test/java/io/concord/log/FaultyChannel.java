package io.concord.log;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A file channel that counts forces and can fail writes (disk full) or forces (I/O error) on
 * command. Installed through {@link LogOptions.Builder#channelOpener}.
 */
final class FaultyChannel extends FileChannel {

  /** Shared switches for every channel an opener created. */
  static final class Faults {
    final AtomicLong writableBytes = new AtomicLong(Long.MAX_VALUE);
    final AtomicInteger forcesUntilFailure = new AtomicInteger(Integer.MAX_VALUE);
    final AtomicInteger forces = new AtomicInteger();

    /** {@code force(false)} calls: the writer's batch forces (spares are forced with metadata). */
    final AtomicInteger dataForces = new AtomicInteger();

    volatile java.util.concurrent.CountDownLatch forceGate;

    /**
     * When set, positional writes wait for it: holds the writer before a batch reaches the file.
     */
    volatile java.util.concurrent.CountDownLatch writeGate;

    LogOptions.ChannelOpener opener() {
      return (path, options) -> new FaultyChannel(FileChannel.open(path, options), this);
    }

    /** Writes fail once {@code bytes} more bytes were written, like a disk that fills up. */
    void diskFullAfter(long bytes) {
      writableBytes.set(bytes);
    }

    void failForceAfter(int forces) {
      forcesUntilFailure.set(forces);
    }
  }

  private final FileChannel delegate;
  private final Faults faults;

  FaultyChannel(FileChannel delegate, Faults faults) {
    this.delegate = delegate;
    this.faults = faults;
  }

  static FileChannel open(Path path, Faults faults, OpenOption... options) throws IOException {
    return new FaultyChannel(FileChannel.open(path, options), faults);
  }

  private void spend(int bytes) throws IOException {
    long left = faults.writableBytes.addAndGet(-bytes);
    if (left < 0) {
      faults.writableBytes.set(0);
      throw new IOException("No space left on device (injected)");
    }
  }

  @Override
  public int write(ByteBuffer src, long position) throws IOException {
    java.util.concurrent.CountDownLatch gate = faults.writeGate;
    if (gate != null) {
      try {
        gate.await();
      } catch (InterruptedException e) {
        throw new java.io.InterruptedIOException("interrupted while held at the write gate");
      }
    }
    spend(src.remaining());
    return delegate.write(src, position);
  }

  @Override
  public int write(ByteBuffer src) throws IOException {
    spend(src.remaining());
    return delegate.write(src);
  }

  @Override
  public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
    long total = 0;
    for (int i = offset; i < offset + length; i++) {
      total += srcs[i].remaining();
    }
    spend((int) total);
    return delegate.write(srcs, offset, length);
  }

  @Override
  public void force(boolean metaData) throws IOException {
    if (faults.forcesUntilFailure.getAndDecrement() <= 0) {
      throw new IOException("Input/output error (injected fsync failure)");
    }
    faults.forces.incrementAndGet();
    if (!metaData) {
      faults.dataForces.incrementAndGet();
    }
    java.util.concurrent.CountDownLatch gate = faults.forceGate;
    if (gate != null && !metaData) { // holds the writer's batch forces only
      try {
        gate.await();
      } catch (InterruptedException e) {
        throw new java.io.InterruptedIOException("interrupted while held at the force gate");
      }
    }
    delegate.force(metaData);
  }

  @Override
  public int read(ByteBuffer dst) throws IOException {
    return delegate.read(dst);
  }

  @Override
  public long read(ByteBuffer[] dsts, int offset, int length) throws IOException {
    return delegate.read(dsts, offset, length);
  }

  @Override
  public long position() throws IOException {
    return delegate.position();
  }

  @Override
  public FileChannel position(long newPosition) throws IOException {
    delegate.position(newPosition);
    return this;
  }

  @Override
  public long size() throws IOException {
    return delegate.size();
  }

  @Override
  public FileChannel truncate(long size) throws IOException {
    delegate.truncate(size);
    return this;
  }

  @Override
  public long transferTo(long position, long count, WritableByteChannel target) throws IOException {
    return delegate.transferTo(position, count, target);
  }

  @Override
  public long transferFrom(ReadableByteChannel src, long position, long count) throws IOException {
    throw new IOException("not used by the log");
  }

  @Override
  public int read(ByteBuffer dst, long position) throws IOException {
    return delegate.read(dst, position);
  }

  @Override
  public MappedByteBuffer map(MapMode mode, long position, long size) throws IOException {
    throw new IOException("not used by the log");
  }

  @Override
  public FileLock lock(long position, long size, boolean shared) throws IOException {
    return delegate.lock(position, size, shared);
  }

  @Override
  public FileLock tryLock(long position, long size, boolean shared) throws IOException {
    return delegate.tryLock(position, size, shared);
  }

  @Override
  protected void implCloseChannel() throws IOException {
    delegate.close();
  }
}
