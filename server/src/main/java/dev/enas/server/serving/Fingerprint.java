package dev.enas.server.serving;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;

/**
 * What a scan compares to tell a model file it has loaded from a new one under the same name: the
 * file's identity (its inode, where the file system has one), size and modification time. A file
 * replaced by a move gets a new identity even when size and time match.
 */
record Fingerprint(Object fileKey, long size, FileTime modified) {
  static Fingerprint of(Path file) throws IOException {
    BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class);
    return new Fingerprint(attributes.fileKey(), attributes.size(), attributes.lastModifiedTime());
  }
}
