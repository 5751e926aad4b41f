package io.concord.jdbc;

import javax.transaction.xa.XAException;

/** Builds XAExceptions that carry both an error code and a message (the JDK has no such ctor). */
final class XaErrors {
  private XaErrors() {}

  static XAException of(int errorCode, String message, Throwable cause) {
    XAException e = new XAException(message);
    e.errorCode = errorCode;
    if (cause != null) {
      e.initCause(cause);
    }
    return e;
  }

  static boolean isRollbackCode(int errorCode) {
    return errorCode >= XAException.XA_RBBASE && errorCode <= XAException.XA_RBEND;
  }
}
