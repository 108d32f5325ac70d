package dev.cutover.database;

/** A user table as the catalog lists it: a plain table or a partitioned one (its partitions' rows). */
record Table(long oid, String schema, String name, boolean partitioned) {
  String qualifiedName() {
    return schema + "." + name;
  }

  String from() {
    // A partitioned table's rows live in its partitions; ONLY would see none. A plain table's
    // inheritance children are fingerprinted on their own, so ONLY keeps them from counting twice.
    return (partitioned ? "" : "ONLY ") + Sql.qualified(schema, name);
  }
}
