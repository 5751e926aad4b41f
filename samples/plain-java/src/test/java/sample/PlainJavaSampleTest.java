package sample;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PlainJavaSampleTest {
  @Test
  void moneyIsConserved(@TempDir Path dir) throws Exception {
    assertEquals(2000, PlainJavaSample.run(dir));
  }
}
