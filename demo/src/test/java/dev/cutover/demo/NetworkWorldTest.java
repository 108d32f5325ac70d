package dev.cutover.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** Two live network worlds on one machine (two test forks) must not share a network. */
class NetworkWorldTest {

  private static final String MINE = "1: lo    inet 127.0.0.1/8 scope host lo\n"
      + "7: lo    inet 10.142.10.1/32 scope global lo\n"
      + "9: cva4242s1    inet 10.143.11.1/24 scope global cva4242s1\n";

  @Test
  void theNetworkIsThePidsUnlessAnAddressHereIsInItAlready() {
    assertEquals(141, NetworkWorld.freeNetwork(41, MINE));
    assertEquals(144, NetworkWorld.freeNetwork(42, MINE), "10.142 and 10.143 are taken");
    assertEquals(100, NetworkWorld.freeNetwork(99, "3: lo    inet 10.199.0.1/32 scope global lo\n"),
        "counts on past 199 from 100");
  }
}
