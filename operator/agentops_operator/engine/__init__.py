"""Pure decision logic: revisions, desired manifests and `decide`. No I/O, no clock, no await."""
