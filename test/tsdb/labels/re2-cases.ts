// Regex cases with the answers Go's regexp (RE2) gives for `^(?s:pattern)$`, the way Prometheus compiles label
// matchers, label_replace and relabel regexes. `match: 'error'` means Go refuses to compile the pattern.
// Shared by the unit tests and the multi-process test (test/e2e/regex.test.ts).

export interface RE2Case {
  readonly why: string;
  readonly pattern: string;
  readonly value: string;
  readonly match: boolean | 'error';
}

export const RE2_CASES: readonly RE2Case[] = [
  // Runes, not UTF-16 code units.
  { why: '. matches one astral rune', pattern: '.', value: '😀', match: true },
  { why: '.. does not match one astral rune', pattern: '..', value: '😀', match: false },
  { why: '. matches a newline ((?s) wrapper)', pattern: 'a.b', value: 'a\nb', match: true },
  { why: '(?-s:.) does not match a newline', pattern: '(?-s:.)', value: '\n', match: false },
  { why: '[^a] matches a newline', pattern: '[^a]', value: '\n', match: true },
  { why: '\\pL+ matches CJK letters', pattern: '\\pL+', value: '日本語', match: true },
  // Escapes.
  { why: '\\x{41} is A', pattern: '\\x{41}', value: 'A', match: true },
  { why: '\\x41 is A', pattern: '\\x41', value: 'A', match: true },
  { why: '\\x{1F600} is an astral rune', pattern: '\\x{1F600}', value: '😀', match: true },
  { why: '\\x{110000} is past the last rune', pattern: '\\x{110000}', value: 'x', match: 'error' },
  { why: '\\Q...\\E quotes metacharacters', pattern: '\\Qa.b\\E', value: 'a.b', match: true },
  { why: '\\Q...\\E: the dot is literal', pattern: '\\Qa.b\\E', value: 'axb', match: false },
  { why: '\\z is end of text', pattern: 'ab\\z', value: 'ab', match: true },
  { why: '\\A is start of text', pattern: '\\Aab', value: 'ab', match: true },
  { why: '\\Z is not RE2', pattern: 'a\\Z', value: 'a', match: 'error' },
  { why: '\\C is not accepted by Go', pattern: 'a\\C', value: 'ab', match: 'error' },
  { why: '\\e is not an escape', pattern: '\\e', value: 'e', match: 'error' },
  { why: '\\8 is not an escape', pattern: '\\8', value: '8', match: 'error' },
  { why: 'escaped punctuation is literal', pattern: '\\_\\-\\.', value: '_-.', match: true },
  // Perl classes are ASCII-only.
  { why: '\\s excludes the no-break space', pattern: '\\s', value: '\u00a0', match: false },
  { why: '\\s excludes vertical tab', pattern: '\\s', value: '\v', match: false },
  { why: '\\s includes tab', pattern: '\\s', value: '\t', match: true },
  { why: '[[:space:]] includes vertical tab', pattern: '[[:space:]]', value: '\v', match: true },
  { why: '\\d is ASCII digits only', pattern: '\\d', value: '٣', match: false },
  { why: '\\p{Nd} includes Arabic-Indic digits', pattern: '\\p{Nd}', value: '٣', match: true },
  { why: '\\pN includes ½', pattern: '\\pN', value: '½', match: true },
  { why: '\\w is ASCII only', pattern: '\\w', value: 'é', match: false },
  { why: '\\pL includes é', pattern: '\\pL', value: 'é', match: true },
  { why: '\\p{Greek}', pattern: '\\p{Greek}+', value: 'αβγ', match: true },
  { why: 'unknown Unicode class', pattern: '\\p{Foo}', value: 'a', match: 'error' },
  // POSIX classes.
  { why: '[[:^alpha:]] accepts a digit', pattern: '[[:^alpha:]]', value: '1', match: true },
  { why: '[[:^alpha:]] rejects a letter', pattern: '[[:^alpha:]]', value: 'a', match: false },
  { why: '[[:word:]] includes _', pattern: '[[:word:]]', value: '_', match: true },
  { why: 'unknown POSIX class', pattern: '[[:foo:]]', value: 'a', match: 'error' },
  // Repetition.
  { why: 'a{1000} is the largest repeat', pattern: 'a{1000}', value: 'a'.repeat(1000), match: true },
  { why: 'a{1001} is rejected', pattern: 'a{1001}', value: 'a', match: 'error' },
  { why: 'a{2,1001} is rejected', pattern: 'a{2,1001}', value: 'aa', match: 'error' },
  { why: 'x{2,} needs two', pattern: 'x{2,}', value: 'x', match: false },
  { why: 'a{,2} is literal text', pattern: 'a{,2}', value: 'a{,2}', match: true },
  { why: 'a{ is literal text', pattern: 'a{', value: 'a{', match: true },
  { why: 'a++ is rejected', pattern: 'a++', value: 'a', match: 'error' },
  { why: 'a** is rejected', pattern: 'a**', value: 'a', match: 'error' },
  { why: 'a leading * is rejected', pattern: '*a', value: 'a', match: 'error' },
  { why: '(?U) is accepted', pattern: '(?U)a+', value: 'aaa', match: true },
  { why: '(?U) with lazy marker is accepted', pattern: '(?U)a+?', value: 'aaa', match: true },
  // Unsupported Perl syntax.
  { why: 'backreferences are rejected', pattern: '(a)\\1', value: 'aa', match: 'error' },
  { why: 'lookahead is rejected', pattern: '(?=a)a', value: 'a', match: 'error' },
  { why: 'negative lookahead is rejected', pattern: '(?!b)a', value: 'a', match: 'error' },
  { why: 'lookbehind is rejected', pattern: '(?<=a)b', value: 'ab', match: 'error' },
  { why: 'atomic groups are rejected', pattern: '(?>a)', value: 'a', match: 'error' },
  { why: 'unknown flag is rejected', pattern: '(?x)a', value: 'a', match: 'error' },
  // Case folding is Unicode simple folding, not full folding.
  { why: '(?i)k matches the Kelvin sign', pattern: '(?i)k', value: '\u212a', match: true },
  { why: '(?i)s matches long s', pattern: '(?i)s', value: 'ſ', match: true },
  { why: '(?i) folds final sigma', pattern: '(?i)Σ', value: 'ς', match: true },
  { why: '(?i) does not expand ß to SS', pattern: '(?i)straße', value: 'STRASSE', match: false },
  { why: '(?i) scoped group', pattern: 'x(?i:ab)y', value: 'xABy', match: true },
  { why: '(?i) scoped group ends', pattern: 'x(?i:ab)y', value: 'XABY', match: false },
  // Syntax errors.
  { why: 'unclosed group', pattern: '(a', value: 'a', match: 'error' },
  { why: 'unclosed class', pattern: '[a', value: 'a', match: 'error' },
  { why: 'stray close paren', pattern: 'a)', value: 'a', match: 'error' },
  { why: 'reversed range', pattern: '[z-a]', value: 'a', match: 'error' },
  { why: 'trailing backslash', pattern: 'a\\', value: 'a', match: 'error' },
  // Anchoring and assertions (Prometheus's matcher_test cases among them).
  { why: 'empty pattern matches only empty', pattern: '', value: 'a', match: false },
  { why: 'empty alternative matches empty', pattern: 'a|', value: '', match: true },
  { why: 'inner anchors are allowed', pattern: '^foo$', value: 'foo', match: true },
  { why: '$*bar never matches', pattern: '$*bar', value: 'foo-bar', match: false },
  { why: 'bar^+ never matches', pattern: 'bar^+', value: 'foo-bar', match: false },
  { why: '$+bar never matches', pattern: '$+bar', value: 'foo-bar', match: false },
  { why: 'regex is anchored', pattern: 'bar', value: 'foo-bar', match: false },
  { why: '.*bar', pattern: '.*bar', value: 'foo-bar', match: true },
  { why: '\\b around a word', pattern: '\\bfoo\\b', value: 'foo', match: true },
  { why: '\\b on empty text', pattern: '\\b', value: '', match: false },
  { why: '\\B on empty text', pattern: '\\B', value: '', match: true },
  { why: '] first in a class is literal', pattern: '[]a]', value: ']', match: true },
  { why: 'named group', pattern: '(?P<code>5)00', value: '500', match: true },
  // Shapes that backtracking engines take exponential time on; RE2 answers in linear time.
  { why: 'nested star (issue 16)', pattern: '(.*.*)*x', value: 'a'.repeat(5000), match: false },
  { why: 'nested plus (issue 16)', pattern: 'http_req([a-z_]+)+U', value: 'http_requests_total_' + 'a'.repeat(5000), match: false },
  { why: 'classic (a+)+b', pattern: '(a+)+b', value: 'a'.repeat(5000), match: false },
  { why: 'alternation blow-up', pattern: '(a|a)*b', value: 'a'.repeat(5000), match: false },
  { why: 'nested star that matches', pattern: '(.*.*)*x', value: 'a'.repeat(5000) + 'x', match: true },
];
