package io.concord.shard;

import java.util.Objects;

/**
 * How tools (such as {@code concord shard plan}) reach a shard's database. Applications normally
 * hand {@link ShardedDataSource} their own pooled DataSources instead; these settings are optional.
 *
 * @param url the JDBC URL
 * @param user the user, or null
 * @param password the password, or null; never printed by {@link #toString()}
 */
public record ConnectionSettings(String url, String user, String password) {
  public ConnectionSettings {
    Objects.requireNonNull(url, "url");
    if (url.isBlank() || !url.startsWith("jdbc:")) {
      throw new InvalidTopologyException("connection url must be a JDBC URL, got '" + url + "'");
    }
  }

  @Override
  public String toString() {
    return "ConnectionSettings[url=" + url + ", user=" + user + ", password=***]";
  }
}
