package io.concord.jdbc;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Array;
import java.sql.Blob;
import java.sql.CallableStatement;
import java.sql.Clob;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.NClob;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLClientInfoException;
import java.sql.SQLException;
import java.sql.SQLWarning;
import java.sql.SQLXML;
import java.sql.Savepoint;
import java.sql.Statement;
import java.sql.Struct;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Executor;

/**
 * The {@link Connection} users get. It never closes the physical connection: closing it tells the
 * owner, which returns the connection to the pool (outside a transaction) or keeps it for the
 * transaction until completion. Statements, result sets and metadata are wrapped so that every
 * SQLException reaches the owner (the rollback-only guard) and so that {@code getConnection()} on
 * them returns this handle, never the physical connection.
 */
final class ConnectionHandle implements Connection {
  private static final ClassLoader LOADER = ConnectionHandle.class.getClassLoader();

  private final HandleOwner owner;
  private final Connection physical;
  private final List<Statement> openStatements = new ArrayList<>();
  private volatile boolean closed;

  ConnectionHandle(HandleOwner owner) {
    this.owner = owner;
    this.physical = owner.physical();
  }

  HandleOwner owner() {
    return owner;
  }

  /** The physical connection, after the closed check; no transaction check (reads, settings). */
  private Connection open() throws SQLException {
    if (closed) {
      throw new MisuseException(
          "this connection handle of '" + owner.resourceName() + "' is closed", "08003");
    }
    return physical;
  }

  /** The physical connection for work that must stay inside the handle's transaction. */
  private Connection forWork() throws SQLException {
    Connection connection = open();
    owner.checkUsable();
    return connection;
  }

  SQLException failed(SQLException e) {
    return e instanceof MisuseException ? e : owner.failed(e);
  }

  void checkUsable() throws SQLException {
    open();
    owner.checkUsable();
  }

  private SQLException transactionControl(String call) {
    return new MisuseException(
        call
            + " is not allowed on a connection of '"
            + owner.resourceName()
            + "' enlisted in a JTA transaction; the transaction manager commits or rolls it back",
        "25000");
  }

  // ---- statements ------------------------------------------------------------------------

  private <T extends Statement> T track(T statement, Class<T> type) {
    synchronized (openStatements) {
      openStatements.add(statement);
    }
    return type.cast(
        Proxy.newProxyInstance(
            LOADER, new Class<?>[] {type}, new JdbcInterceptor(this, statement, null)));
  }

  void untrack(Statement statement) {
    synchronized (openStatements) {
      openStatements.remove(statement);
    }
  }

  @Override
  public Statement createStatement() throws SQLException {
    try {
      return track(forWork().createStatement(), Statement.class);
    } catch (SQLException e) {
      throw failed(e);
    }
  }

  @Override
  public Statement createStatement(int resultSetType, int resultSetConcurrency)
      throws SQLException {
    try {
      return track(forWork().createStatement(resultSetType, resultSetConcurrency), Statement.class);
    } catch (SQLException e) {
      throw failed(e);
    }
  }

  @Override
  public Statement createStatement(
      int resultSetType, int resultSetConcurrency, int resultSetHoldability) throws SQLException {
    try {
      return track(
          forWork().createStatement(resultSetType, resultSetConcurrency, resultSetHoldability),
          Statement.class);
    } catch (SQLException e) {
      throw failed(e);
    }
  }

  @Override
  public PreparedStatement prepareStatement(String sql) throws SQLException {
    try {
      return track(forWork().prepareStatement(sql), PreparedStatement.class);
    } catch (SQLException e) {
      throw failed(e);
    }
  }

  @Override
  public PreparedStatement prepareStatement(String sql, int resultSetType, int resultSetConcurrency)
      throws SQLException {
    try {
      return track(
          forWork().prepareStatement(sql, resultSetType, resultSetConcurrency),
          PreparedStatement.class);
    } catch (SQLException e) {
      throw failed(e);
    }
  }

  @Override
  public PreparedStatement prepareStatement(
      String sql, int resultSetType, int resultSetConcurrency, int resultSetHoldability)
      throws SQLException {
    try {
      return track(
          forWork()
              .prepareStatement(sql, resultSetType, resultSetConcurrency, resultSetHoldability),
          PreparedStatement.class);
    } catch (SQLException e) {
      throw failed(e);
    }
  }

  @Override
  public PreparedStatement prepareStatement(String sql, int autoGeneratedKeys) throws SQLException {
    try {
      return track(forWork().prepareStatement(sql, autoGeneratedKeys), PreparedStatement.class);
    } catch (SQLException e) {
      throw failed(e);
    }
  }

  @Override
  public PreparedStatement prepareStatement(String sql, int[] columnIndexes) throws SQLException {
    try {
      return track(forWork().prepareStatement(sql, columnIndexes), PreparedStatement.class);
    } catch (SQLException e) {
      throw failed(e);
    }
  }

  @Override
  public PreparedStatement prepareStatement(String sql, String[] columnNames) throws SQLException {
    try {
      return track(forWork().prepareStatement(sql, columnNames), PreparedStatement.class);
    } catch (SQLException e) {
      throw failed(e);
    }
  }

  @Override
  public CallableStatement prepareCall(String sql) throws SQLException {
    try {
      return track(forWork().prepareCall(sql), CallableStatement.class);
    } catch (SQLException e) {
      throw failed(e);
    }
  }

  @Override
  public CallableStatement prepareCall(String sql, int resultSetType, int resultSetConcurrency)
      throws SQLException {
    try {
      return track(
          forWork().prepareCall(sql, resultSetType, resultSetConcurrency), CallableStatement.class);
    } catch (SQLException e) {
      throw failed(e);
    }
  }

  @Override
  public CallableStatement prepareCall(
      String sql, int resultSetType, int resultSetConcurrency, int resultSetHoldability)
      throws SQLException {
    try {
      return track(
          forWork().prepareCall(sql, resultSetType, resultSetConcurrency, resultSetHoldability),
          CallableStatement.class);
    } catch (SQLException e) {
      throw failed(e);
    }
  }

  @Override
  public String nativeSQL(String sql) throws SQLException {
    try {
      return open().nativeSQL(sql);
    } catch (SQLException e) {
      throw failed(e);
    }
  }

  // ---- transaction control -----------------------------------------------------------------

  @Override
  public void setAutoCommit(boolean autoCommit) throws SQLException {
    Connection connection = forWork();
    if (owner.enlisted()) {
      if (autoCommit) {
        throw transactionControl("setAutoCommit(true)");
      }
      return;
    }
    try {
      connection.setAutoCommit(autoCommit);
      PooledConnection pooled = owner.pooled();
      if (pooled != null && !autoCommit) {
        pooled.autoCommitChanged = true;
      }
    } catch (SQLException e) {
      throw failed(e);
    }
  }

  @Override
  public boolean getAutoCommit() throws SQLException {
    Connection connection = open();
    if (owner.enlisted()) {
      return false;
    }
    try {
      return connection.getAutoCommit();
    } catch (SQLException e) {
      throw failed(e);
    }
  }

  @Override
  public void commit() throws SQLException {
    Connection connection = forWork();
    if (owner.enlisted()) {
      throw transactionControl("commit()");
    }
    try {
      connection.commit();
    } catch (SQLException e) {
      throw failed(e);
    }
  }

  @Override
  public void rollback() throws SQLException {
    Connection connection = forWork();
    if (owner.enlisted()) {
      throw transactionControl("rollback()");
    }
    try {
      connection.rollback();
    } catch (SQLException e) {
      throw failed(e);
    }
  }

  @Override
  public Savepoint setSavepoint() throws SQLException {
    try {
      return forWork().setSavepoint();
    } catch (SQLException e) {
      throw failed(e);
    }
  }

  @Override
  public Savepoint setSavepoint(String name) throws SQLException {
    try {
      return forWork().setSavepoint(name);
    } catch (SQLException e) {
      throw failed(e);
    }
  }

  @Override
  public void rollback(Savepoint savepoint) throws SQLException {
    try {
      forWork().rollback(savepoint);
    } catch (SQLException e) {
      throw failed(e);
    }
  }

  @Override
  public void releaseSavepoint(Savepoint savepoint) throws SQLException {
    try {
      forWork().releaseSavepoint(savepoint);
    } catch (SQLException e) {
      throw failed(e);
    }
  }

  // ---- lifecycle ---------------------------------------------------------------------------

  @Override
  public void close() throws SQLException {
    if (closed) {
      return;
    }
    closed = true;
    List<Statement> statements;
    synchronized (openStatements) {
      statements = openStatements.isEmpty() ? List.of() : new ArrayList<>(openStatements);
      openStatements.clear();
    }
    SQLException failure = null;
    for (Statement statement : statements) {
      try {
        statement.close();
      } catch (SQLException e) {
        failure = e;
      }
    }
    owner.handleClosed(this);
    if (failure != null && !owner.enlisted()) {
      owner.failed(failure);
    }
  }

  @Override
  public boolean isClosed() {
    return closed;
  }

  @Override
  public boolean isValid(int timeout) throws SQLException {
    if (closed) {
      return false;
    }
    return physical.isValid(timeout);
  }

  /**
   * Aborting a pooled connection means it must never be reused: the physical connection is marked
   * broken (evicted when it comes back, which for an enlisted one is after completion) and this
   * handle is closed.
   */
  @Override
  public void abort(Executor executor) throws SQLException {
    if (executor == null) {
      throw new SQLException("abort needs an executor", "22004");
    }
    PooledConnection pooled = owner.pooled();
    if (pooled != null) {
      pooled.broken = true;
    }
    close();
  }

  // ---- session settings (tracked so that the pool can reset them) --------------------------

  @Override
  public DatabaseMetaData getMetaData() throws SQLException {
    try {
      DatabaseMetaData metaData = open().getMetaData();
      return (DatabaseMetaData)
          Proxy.newProxyInstance(
              LOADER,
              new Class<?>[] {DatabaseMetaData.class},
              new JdbcInterceptor(this, metaData, null));
    } catch (SQLException e) {
      throw failed(e);
    }
  }

  @Override
  public void setReadOnly(boolean readOnly) throws SQLException {
    Connection connection = open();
    if (owner.enlisted() && readOnly) {
      // pgjdbc answers XA_RDONLY for a read-only connection but leaves the prepared transaction
      // on the server, where nobody would ever finish it.
      throw new MisuseException(
          "setReadOnly(true) is not supported on a connection of '"
              + owner.resourceName()
              + "' enlisted in a JTA transaction",
          "25000");
    }
    try {
      connection.setReadOnly(readOnly);
      PooledConnection pooled = owner.pooled();
      if (pooled != null && readOnly) {
        pooled.readOnlyChanged = true;
      }
    } catch (SQLException e) {
      throw failed(e);
    }
  }

  @Override
  public boolean isReadOnly() throws SQLException {
    try {
      return open().isReadOnly();
    } catch (SQLException e) {
      throw failed(e);
    }
  }

  @Override
  public void setCatalog(String catalog) throws SQLException {
    Connection connection = open();
    try {
      PooledConnection pooled = owner.pooled();
      if (pooled != null) {
        pooled.rememberCatalog();
      }
      connection.setCatalog(catalog);
    } catch (SQLException e) {
      throw failed(e);
    }
  }

  @Override
  public String getCatalog() throws SQLException {
    try {
      return open().getCatalog();
    } catch (SQLException e) {
      throw failed(e);
    }
  }

  @Override
  public void setTransactionIsolation(int level) throws SQLException {
    Connection connection = open();
    try {
      connection.setTransactionIsolation(level);
      PooledConnection pooled = owner.pooled();
      if (pooled != null) {
        pooled.isolationChanged = true;
      }
    } catch (SQLException e) {
      throw failed(e);
    }
  }

  @Override
  public int getTransactionIsolation() throws SQLException {
    try {
      return open().getTransactionIsolation();
    } catch (SQLException e) {
      throw failed(e);
    }
  }

  @Override
  public SQLWarning getWarnings() throws SQLException {
    return open().getWarnings();
  }

  @Override
  public void clearWarnings() throws SQLException {
    open().clearWarnings();
  }

  @Override
  public Map<String, Class<?>> getTypeMap() throws SQLException {
    return open().getTypeMap();
  }

  @Override
  public void setTypeMap(Map<String, Class<?>> map) throws SQLException {
    throw new java.sql.SQLFeatureNotSupportedException(
        "setTypeMap is not supported on pooled connections of '" + owner.resourceName() + "'");
  }

  @Override
  public void setHoldability(int holdability) throws SQLException {
    if (holdability != open().getHoldability()) {
      throw new java.sql.SQLFeatureNotSupportedException(
          "changing holdability is not supported on pooled connections of '"
              + owner.resourceName()
              + "'");
    }
  }

  @Override
  public int getHoldability() throws SQLException {
    return open().getHoldability();
  }

  @Override
  public Clob createClob() throws SQLException {
    return open().createClob();
  }

  @Override
  public Blob createBlob() throws SQLException {
    return open().createBlob();
  }

  @Override
  public NClob createNClob() throws SQLException {
    return open().createNClob();
  }

  @Override
  public SQLXML createSQLXML() throws SQLException {
    return open().createSQLXML();
  }

  @Override
  public void setClientInfo(String name, String value) throws SQLClientInfoException {
    if (closed) {
      throw new SQLClientInfoException("connection handle is closed", null);
    }
    physical.setClientInfo(name, value);
  }

  @Override
  public void setClientInfo(Properties properties) throws SQLClientInfoException {
    if (closed) {
      throw new SQLClientInfoException("connection handle is closed", null);
    }
    physical.setClientInfo(properties);
  }

  @Override
  public String getClientInfo(String name) throws SQLException {
    return open().getClientInfo(name);
  }

  @Override
  public Properties getClientInfo() throws SQLException {
    return open().getClientInfo();
  }

  @Override
  public Array createArrayOf(String typeName, Object[] elements) throws SQLException {
    return open().createArrayOf(typeName, elements);
  }

  @Override
  public Struct createStruct(String typeName, Object[] attributes) throws SQLException {
    return open().createStruct(typeName, attributes);
  }

  @Override
  public void setSchema(String schema) throws SQLException {
    Connection connection = open();
    try {
      PooledConnection pooled = owner.pooled();
      if (pooled != null) {
        pooled.rememberSchema();
      }
      connection.setSchema(schema);
    } catch (SQLException e) {
      throw failed(e);
    }
  }

  @Override
  public String getSchema() throws SQLException {
    try {
      return open().getSchema();
    } catch (SQLException e) {
      throw failed(e);
    }
  }

  @Override
  public void setNetworkTimeout(Executor executor, int milliseconds) throws SQLException {
    throw new java.sql.SQLFeatureNotSupportedException(
        "setNetworkTimeout is not supported on pooled connections of '"
            + owner.resourceName()
            + "'; set the driver's socket timeout instead");
  }

  @Override
  public int getNetworkTimeout() throws SQLException {
    return open().getNetworkTimeout();
  }

  @Override
  public <T> T unwrap(Class<T> iface) throws SQLException {
    if (iface.isInstance(this)) {
      return iface.cast(this);
    }
    return open().unwrap(iface);
  }

  @Override
  public boolean isWrapperFor(Class<?> iface) throws SQLException {
    return iface.isInstance(this) || open().isWrapperFor(iface);
  }

  @Override
  public String toString() {
    return "ConcordConnection[" + owner.resourceName() + (closed ? ", closed]" : "]");
  }

  /**
   * Wraps a statement, result set or database metadata of a handle: routes SQLExceptions to the
   * owner, checks the transaction before a statement executes, and keeps the physical connection
   * out of reach.
   */
  static final class JdbcInterceptor implements InvocationHandler {
    private final ConnectionHandle handle;
    private final Object target;

    /** The statement proxy a result set belongs to, or null. */
    private final Object statementProxy;

    JdbcInterceptor(ConnectionHandle handle, Object target, Object statementProxy) {
      this.handle = handle;
      this.target = target;
      this.statementProxy = statementProxy;
    }

    @Override
    public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
      String name = method.getName();
      switch (name) {
        case "equals":
          return proxy == args[0];
        case "hashCode":
          return System.identityHashCode(proxy);
        case "toString":
          return "Concord[" + target + "]";
        case "getConnection":
          if (method.getParameterCount() == 0) {
            return handle;
          }
          break;
        case "getStatement":
          if (target instanceof ResultSet) {
            return statementProxy;
          }
          break;
        case "unwrap":
          if (((Class<?>) args[0]).isInstance(proxy)) {
            return proxy;
          }
          break;
        case "isWrapperFor":
          if (((Class<?>) args[0]).isInstance(proxy)) {
            return true;
          }
          break;
        case "close":
          if (target instanceof Statement statement) {
            handle.untrack(statement);
          }
          break;
        default:
          if (target instanceof Statement
              && (name.startsWith("execute") || name.equals("addBatch"))) {
            handle.checkUsable();
          }
      }
      Object result;
      try {
        result = method.invoke(target, args);
      } catch (InvocationTargetException e) {
        Throwable cause = e.getCause();
        if (cause instanceof SQLException sql) {
          throw handle.failed(sql);
        }
        throw cause;
      }
      if (result instanceof ResultSet resultSet && method.getReturnType() == ResultSet.class) {
        Object owningStatement = target instanceof Statement ? proxy : null;
        return Proxy.newProxyInstance(
            LOADER,
            new Class<?>[] {ResultSet.class},
            new JdbcInterceptor(handle, resultSet, owningStatement));
      }
      return result;
    }
  }
}
