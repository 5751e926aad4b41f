package io.concord.jdbc;

import java.time.Duration;

/** The validated knobs of one pool (see {@link ConcordDataSource.Builder} for their meaning). */
record PoolSettings(
    String name,
    int minSize,
    int maxSize,
    Duration acquisitionTimeout,
    Duration idleTimeout,
    Duration maxLifetime,
    Duration validateIdleAfter,
    Duration validationTimeout,
    String validationQuery,
    Duration leakDetectionThreshold,
    Duration housekeepingPeriod) {}
