// Work-factor caps for legacy hashes: a DoS guard against a hostile or corrupted import file (our rule; the
// password-length side of the same attack is MAX_PASSWORD_LENGTH, cf. Django CVE-2013-1443). A stored hash
// asking for more work than this is rejected as malformed at import and never verified. Each cap keeps one
// verification to a few seconds of CPU at most on the reference machine (x86-64, 2 cores, Node 24), while
// admitting every default a real system ships:
//
//   scheme                       cap (worst case)                         defaults it must admit
//   PBKDF2: Django, ASP.NET,     10,000,000 iterations x output blocks    Django 6.0 1,200,000; Werkzeug 3.1
//   Werkzeug                     (~2 s SHA-256, ~5 s SHA-512)             1,000,000; .NET 7+ 100,000 SHA-512
//   bcrypt                       cost 16 (~4 s)                           10-12 (PHP, Rails, Spring, Laravel)
//   SHA-crypt (JavaScript loop)  1,000,000 rounds (~3 s)                  5,000 glibc; 535,000/656,000 passlib
//   phpass (JavaScript loop)     2^20 iterations (~2.5 s)                 2^8 WordPress, 2^11 phpBB3
//   Argon2                       m <= 256 MiB, t <= 16, p <= 16,          m=19-64 MiB, t=2-3 (OWASP,
//                                m*t <= 1 GiB (~1 s)                      argon2-cffi, RFC 9106 low-memory)
//   scrypt (Werkzeug)            128*N*r <= 256 MiB, N*r*p <= 2^22 (~2 s)  N=2^15, r=8, p=1 (Werkzeug 3)
//
// SHA-crypt and phpass run on the main thread; they yield to the event loop every YIELD_EVERY rounds so
// other requests keep being served. Their work also grows with the password's length (every round hashes
// the password again), so a typed password that would push a loop past loopMaxHashedBytes does not match
// (a 72-byte password fits 1,000,000 SHA-crypt rounds ~4 times over). PBKDF2, scrypt, bcrypt and Argon2
// hash the password once and run off the main thread.

export const LEGACY_HASH_LIMITS = {
  /** PBKDF2 iterations times output blocks (a subkey longer than the digest costs one run per block). */
  pbkdf2MaxWork: 10_000_000,
  bcryptMaxCost: 16,
  shaCryptMaxRounds: 1_000_000,
  phpassMaxLog2Rounds: 20,
  argon2MaxMemoryKiB: 256 * 1024,
  argon2MaxPasses: 16,
  argon2MaxLanes: 16,
  /** Memory (KiB) times passes. */
  argon2MaxMemoryPassesKiB: 1024 * 1024,
  scryptMaxMemoryBytes: 256 * 1024 * 1024,
  /** N * r * p. */
  scryptMaxWork: 2 ** 22,
  /** Bytes a SHA-crypt or phpass loop may feed to its hash function for one verification. */
  loopMaxHashedBytes: 1024 * 1024 * 1024,
  /** Longest stored hash accepted at all (an ASP.NET v3 hash with a 256-byte salt and subkey fits easily). */
  maxHashLength: 1024,
} as const;

/** Rounds of a JavaScript hash loop between two yields to the event loop (a few milliseconds of work). */
export const YIELD_EVERY = 2048;

// Rough per-unit costs measured on the reference machine, in milliseconds. Only ratios matter: callers use
// legacyHashCost() to compare hashes with each other (e.g. to pad timing to the most expensive one).
export const COST_MS = {
  pbkdf2PerIteration: { sha1: 0.00018, sha224: 0.00019, sha256: 0.00019, sha384: 0.0005, sha512: 0.0005 },
  bcryptCost0: 64 / 1024, // cost 10 ~ 64 ms
  shaCryptPerRound: { sha256: 0.0025, sha512: 0.0035 },
  phpassPerRound: 0.0022,
  argon2PerKiBPass: 0.0009,
  scryptPerNrp: 0.00055,
  digest: 0.002,
} as const;
