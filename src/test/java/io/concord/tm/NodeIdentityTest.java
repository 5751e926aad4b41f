package io.concord.tm;

import static org.assertj.core.api.Assertions.assertThat;

import io.concord.xa.ConcordXid;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class NodeIdentityTest {

  @Test
  void hostNamesBecomeValidNodeIds() {
    assertThat(NodeIdentity.fromHostName("App-01.example.com")).isEqualTo("app-01.example.com");
    assertThat(NodeIdentity.fromHostName("host name/ü")).isEqualTo("host-name--");
    assertThat(NodeIdentity.fromHostName(null)).isEqualTo("localhost");
    String longName = "a-very-long-kubernetes-pod-name-7f9c8d6b5-xk2lp.namespace.svc";
    String id = NodeIdentity.fromHostName(longName);
    assertThat(id.getBytes(StandardCharsets.UTF_8)).hasSizeLessThanOrEqualTo(32);
    assertThat(id)
        .startsWith("a-very-long-kubernetes")
        .isNotEqualTo(NodeIdentity.fromHostName(longName + "x"));
    assertThat(ConcordXid.requireValidNodeId(id)).isEqualTo(id);
  }

  @Test
  void managerWithoutNodeIdDerivesOne() throws Exception {
    try (TestTm t = TestTm.open()) {
      ConcordTransactionManager derived =
          ConcordTransactionManager.builder(t.tm.decisionLog()).build();
      try {
        assertThat(derived.nodeId()).isNotBlank();
        assertThat(ConcordXid.requireValidNodeId(derived.nodeId())).isEqualTo(derived.nodeId());
      } finally {
        derived.close();
      }
    }
  }
}
