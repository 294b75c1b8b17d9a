// The two cold builds image/test.sh ran before the checks: each one succeeded and printed the
// reference it recorded, and both gave one digest (the build is reproducible).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { build, built, tail } from './harness';

describe('the builds', () => {
  test('a cold build in a fresh store succeeds and prints the reference it records', () => {
    const b = build(1);
    assert.equal(b.exitCode, 0, `build 1 exited ${b.exitCode}; end of its log:\n${tail(b.log)}`);
    assert.ok(b.record, 'build 1 wrote no record');
    assert.match(b.record.reference, /^localhost\/mehdb:[^@\s]+@sha256:[0-9a-f]{64}$/);
    assert.equal(b.printed, b.record.reference);
  });

  test('a second cold build in another store, --no-cache, succeeds and pushes to the registry', () => {
    // build.sh --push checks the digest the registry reports against the build's.
    const b = build(2);
    assert.equal(b.exitCode, 0, `build 2 exited ${b.exitCode}; end of its log:\n${tail(b.log)}`);
    assert.ok(b.record, 'build 2 wrote no record');
    assert.equal(b.printed, b.record.reference);
  });

  test('the two builds give one digest', () => {
    assert.equal(built(2).digest, built(1).digest);
  });
});
