package io.concord.tm;

import java.util.ArrayList;
import java.util.List;

/** The XA calls of every {@link RecordingXAResource} of one test, in the order they happened. */
final class CallJournal {
  private final List<String> calls = new ArrayList<>();

  synchronized void add(String call) {
    calls.add(call);
  }

  synchronized List<String> calls() {
    return List.copyOf(calls);
  }

  synchronized void clear() {
    calls.clear();
  }
}
