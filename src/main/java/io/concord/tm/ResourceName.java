package io.concord.tm;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import javax.transaction.xa.XAResource;
import org.jboss.tm.XAResourceWrapper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The stable name of an enlisted resource, written into COMMIT records so that recovery can find
 * the resource again (CONTRACTS §2): {@link XAResourceWrapper#getJndiName()} when the resource
 * offers one, otherwise its class name and identity (which recovery cannot match; warned once per
 * class). Product name and version, when known, appear in messages.
 */
final class ResourceName {
  private static final Logger LOG = LoggerFactory.getLogger(ResourceName.class);
  private static final Set<Class<?>> WARNED = ConcurrentHashMap.newKeySet();

  /** The log rejects longer names; JNDI names never come close. */
  private static final int MAX_CHARS = 256;

  private ResourceName() {}

  /** The stable name; no allocation for a wrapper that names itself. */
  static String of(XAResource resource) {
    if (resource instanceof XAResourceWrapper wrapper) {
      String jndiName = wrapper.getJndiName();
      if (jndiName != null && !jndiName.isBlank()) {
        return truncate(jndiName);
      }
    }
    Class<?> type = resource.getClass();
    if (WARNED.add(type)) {
      LOG.warn(
          "XAResource class {} does not name itself through org.jboss.tm.XAResourceWrapper"
              + "#getJndiName(); its branches are logged under class name and identity, which"
              + " recovery cannot match after a restart (in-doubt branches of it would wait for an"
              + " operator)",
          type.getName());
    }
    return truncate(type.getName() + "@" + Integer.toHexString(System.identityHashCode(resource)));
  }

  private static String truncate(String name) {
    return name.length() <= MAX_CHARS ? name : name.substring(0, MAX_CHARS);
  }

  /** The name, plus product name and version when the resource tells them. */
  static String describe(XAResource resource, String name) {
    if (resource instanceof XAResourceWrapper wrapper) {
      try {
        String product = wrapper.getProductName();
        String version = wrapper.getProductVersion();
        if (product != null && !product.isBlank()) {
          return name + " (" + product + (version == null ? "" : " " + version) + ")";
        }
      } catch (RuntimeException e) {
        // a wrapper that cannot describe itself must not hide the original failure
        return name;
      }
    }
    return name;
  }
}
