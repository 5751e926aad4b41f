package io.concord.xa;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.Predicate;
import javax.transaction.xa.Xid;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.AlphaChars;
import net.jqwik.api.constraints.Chars;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.NumericChars;
import net.jqwik.api.constraints.StringLength;
import org.junit.jupiter.api.Test;

class ConcordXidTest {

  /** A driver's own Xid class, without equals (like H2's JdbcXid). */
  private record ForeignXid(int formatId, byte[] gtrid, byte[] bqual) implements Xid {
    @Override
    public int getFormatId() {
      return formatId;
    }

    @Override
    public byte[] getGlobalTransactionId() {
      return gtrid.clone();
    }

    @Override
    public byte[] getBranchQualifier() {
      return bqual.clone();
    }
  }

  @Test
  void layoutFollowsTheContract() {
    ConcordXid xid = ConcordXid.of("node-a", 7, 42, 3);
    assertThat(xid.getFormatId()).isEqualTo(0x434F4E43);
    byte[] gtrid = xid.getGlobalTransactionId();
    assertThat(gtrid).hasSize(1 + 1 + 6 + 8 + 8);
    assertThat(gtrid[0]).isEqualTo((byte) 1);
    assertThat(gtrid[1]).isEqualTo((byte) 6);
    assertThat(new String(gtrid, 2, 6, StandardCharsets.UTF_8)).isEqualTo("node-a");
    assertThat(gtrid[2 + 6 + 7]).isEqualTo((byte) 7);
    assertThat(gtrid[gtrid.length - 1]).isEqualTo((byte) 42);
    assertThat(xid.getBranchQualifier()).containsExactly(0, 0, 0, 3);
    assertThat(xid.toString()).isEqualTo("CONC:node-a:7:42/3");
  }

  @Property
  void roundTripsThroughAnyXidImplementation(
      @ForAll @StringLength(min = 1, max = 8) @AlphaChars @NumericChars @Chars({'-', 'é'})
          String node,
      @ForAll long incarnation,
      @ForAll long counter,
      @ForAll @IntRange(min = 1) int branch) {
    String nodeId = "n" + node;
    if (nodeId.getBytes(StandardCharsets.UTF_8).length > 32) {
      return;
    }
    ConcordXid xid = ConcordXid.of(nodeId, incarnation, counter, branch);
    Xid foreign =
        new ForeignXid(xid.getFormatId(), xid.getGlobalTransactionId(), xid.getBranchQualifier());
    ConcordXid parsed = ConcordXid.parse(foreign).orElseThrow();
    assertThat(parsed).isEqualTo(xid).hasSameHashCodeAs(xid);
    assertThat(parsed.nodeId()).isEqualTo(nodeId);
    assertThat(parsed.incarnation()).isEqualTo(incarnation);
    assertThat(parsed.counter()).isEqualTo(counter);
    assertThat(parsed.branchNumber()).isEqualTo(branch);
    assertThat(xid.getGlobalTransactionId().length).isLessThanOrEqualTo(Xid.MAXGTRIDSIZE);
    assertThat(ConcordXid.sameXid(xid, foreign)).isTrue();
  }

  @Test
  void longestNodeIdStillFits() {
    ConcordXid xid =
        ConcordXid.of("x".repeat(32), Long.MAX_VALUE, Long.MAX_VALUE, Integer.MAX_VALUE);
    assertThat(xid.getGlobalTransactionId()).hasSizeLessThanOrEqualTo(64);
    assertThat(xid.getBranchQualifier()).hasSizeLessThanOrEqualTo(64);
  }

  @Test
  void foreignAndMalformedXidsAreNotParsed() {
    ConcordXid xid = ConcordXid.of("n", 1, 1, 1);
    byte[] gtrid = xid.getGlobalTransactionId();
    byte[] bqual = xid.getBranchQualifier();
    assertThat(ConcordXid.parse(new ForeignXid(131077, gtrid, bqual))).isEmpty();
    assertThat(ConcordXid.parse(new ForeignXid(ConcordXid.FORMAT_ID, new byte[] {1, 2}, bqual)))
        .isEmpty();
    byte[] badVersion = gtrid.clone();
    badVersion[0] = 9;
    assertThat(ConcordXid.parse(new ForeignXid(ConcordXid.FORMAT_ID, badVersion, bqual))).isEmpty();
    byte[] badLength = gtrid.clone();
    badLength[1] = 5;
    assertThat(ConcordXid.parse(new ForeignXid(ConcordXid.FORMAT_ID, badLength, bqual))).isEmpty();
    assertThat(ConcordXid.parse(new ForeignXid(ConcordXid.FORMAT_ID, gtrid, new byte[] {1})))
        .isEmpty();
    assertThat(ConcordXid.parse(new ForeignXid(ConcordXid.FORMAT_ID, gtrid, new byte[4])))
        .as("branch 0")
        .isEmpty();
    assertThat(ConcordXid.parse(null)).isEmpty();
  }

  @Test
  void ownedByKeepsOnlyOurNodes() {
    Predicate<Xid> ours = ConcordXid.ownedBy(List.of("a", "b"));
    assertThat(ours.test(ConcordXid.of("a", 1, 1, 1))).isTrue();
    assertThat(ours.test(ConcordXid.of("b", 1, 1, 1))).isTrue();
    assertThat(ours.test(ConcordXid.of("c", 1, 1, 1))).isFalse();
    assertThat(ours.test(new ForeignXid(1, new byte[] {1}, new byte[] {1}))).isFalse();
    assertThat(ConcordXid.nodeIdOf(ConcordXid.of("a", 1, 1, 1).getGlobalTransactionId()))
        .contains("a");
  }

  @Test
  void valueEqualityAndBranches() {
    ConcordXid one = ConcordXid.of("n", 1, 5, 1);
    ConcordXid two = one.withBranch(2);
    assertThat(one).isNotEqualTo(two);
    assertThat(one.sameGlobalTransaction(two)).isTrue();
    assertThat(two.withBranch(1)).isEqualTo(one);
    assertThat(ConcordXid.of("n", 1, 6, 1)).isNotEqualTo(one);
    assertThat(ConcordXid.of("n", 2, 5, 1)).isNotEqualTo(one);
    assertThat(new ConcordXid.Factory("n", 1).create(5, 1)).isEqualTo(one);
  }

  @Test
  void returnedArraysAreCopies() {
    ConcordXid xid = ConcordXid.of("n", 1, 5, 1);
    xid.getGlobalTransactionId()[0] = 99;
    xid.getBranchQualifier()[3] = 99;
    assertThat(xid).isEqualTo(ConcordXid.of("n", 1, 5, 1));
  }

  @Test
  void badNodeIdsAreRejectedWithAReason() {
    assertThatThrownBy(() -> ConcordXid.of("", 1, 1, 1)).hasMessageContaining("empty");
    assertThatThrownBy(() -> ConcordXid.of("é".repeat(17), 1, 1, 1))
        .hasMessageContaining("34 bytes");
    assertThatThrownBy(() -> ConcordXid.of("a\nb", 1, 1, 1)).hasMessageContaining("control");
    assertThatThrownBy(() -> ConcordXid.of("a", 1, 1, 0)).hasMessageContaining("branch");
  }
}
