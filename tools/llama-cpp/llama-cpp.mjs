// llama.cpp, as node-llama-cpp's prebuilt CPU build ships it, run on a GGUF file so that Specula can be
// measured against it on the same machine and file: `bench` times a prompt and greedy decoding, `logits`
// prints the logits after every token of a sequence, `tokenize` the token ids of a text.
// Usage: node llama-cpp.mjs bench|logits|tokenize --model FILE [--threads N] [--tokens 1,2,3] [--gen G]
//        [--text T | --texts-file FILE.json]
// Prints one JSON object on stdout; errors go to stderr with exit status 1.
import {getLlama} from "node-llama-cpp";
import {readFileSync} from "node:fs";

const args = parseArgs(process.argv.slice(2));
let cpuBackend = "unknown";
const llama = await getLlama({gpu: false, build: "never", logLevel: "debug", logger: (level, message) => {
    const loaded = /loaded CPU backend from .*libggml-cpu-([\w-]+)\.so/.exec(message);
    if (loaded) cpuBackend = loaded[1];
}});
let model;
try {
    // A tokenizer needs no weights: vocabulary-only files (llama.cpp's ggml-vocab-*.gguf) load too.
    model = await llama.loadModel({modelPath: required("model"), vocabOnly: args.command === "tokenize"});
} catch (e) {
    fail(`${args.model}: llama.cpp cannot load it: ${e.message ?? e}`);
}
const result = await {bench, logits, tokenize}[args.command]();
const version = JSON.parse(readFileSync(new URL("node_modules/node-llama-cpp/package.json", import.meta.url))).version;
console.log(JSON.stringify({engine: "llama.cpp (node-llama-cpp " + version + ")", cpu_backend: cpuBackend, ...result}));
await model.dispose();

/** Times one prompt batch and greedy decoding after an untimed run of the same shape (page faults, caches). */
async function bench() {
    const prompt = tokens();
    const gen = Number(args.gen ?? 32);
    const context = await model.createContext({contextSize: prompt.length + gen + 1, batchSize: prompt.length,
        threads: threads(), sequences: 1});
    const sequence = context.getSequence();
    await decode(sequence, prompt.slice(0, Math.min(prompt.length, 32)), 4);
    await sequence.clearHistory();
    const run = await decode(sequence, prompt, gen);
    await context.dispose();
    return {threads: threads(), prompt_tokens: prompt.length, prompt_tokens_per_second: prompt.length / run.promptSeconds,
        gen_tokens: gen, decode_tokens_per_second: gen / run.decodeSeconds, decoded_tokens: run.decoded};
}

/** The prompt in one batch, then {@code gen} greedy tokens one at a time; the prompt's time includes the first token. */
async function decode(sequence, prompt, gen) {
    const decoded = [];
    const start = performance.now();
    let prompted = start;
    for await (const token of sequence.evaluate(prompt, {temperature: 0})) {
        if (decoded.length === 0) prompted = performance.now();
        decoded.push(token);
        if (decoded.length > gen) break;
    }
    return {promptSeconds: (prompted - start) / 1000, decodeSeconds: (performance.now() - prompted) / 1000,
        decoded: decoded.slice(0, gen)};
}

/** Every position's logits over the whole vocabulary, evaluated as one batch (as a prompt is). */
async function logits() {
    const input = tokens();
    const context = await model.createContext({contextSize: input.length + 1, batchSize: input.length,
        threads: threads(), sequences: 1});
    const results = await context.getSequence().controlledEvaluate(
        input.map(t => [t, {generateNext: {logits: true}}]));
    const rows = results.map(r => {
        const row = new Array(r.next.logits.size);
        for (const [token, value] of r.next.logits) row[token] = value;
        return row;
    });
    await context.dispose();
    return {tokens: input, logits: rows};
}

/** Each text of the JSON array in --texts-file, or --text alone: token ids without BOS, specials taken literally. */
async function tokenize() {
    if (args["texts-file"] !== undefined) {
        const texts = JSON.parse(readFileSync(args["texts-file"], "utf8"));
        return {tokens: texts.map(text => model.tokenize(text, false))};
    }
    return {tokens: model.tokenize(required("text"), false)};
}

function tokens() {
    return required("tokens").split(",").map(Number);
}

function threads() {
    return Number(args.threads ?? 0) || undefined;
}

function required(name) {
    if (args[name] === undefined) fail(`--${name} is required`);
    return args[name];
}

function parseArgs(argv) {
    const parsed = {command: argv[0]};
    if (!["bench", "logits", "tokenize"].includes(parsed.command)) fail("command must be bench, logits or tokenize");
    for (let i = 1; i < argv.length; i += 2) {
        if (!argv[i].startsWith("--") || i + 1 >= argv.length) fail(`expected --name value at ${argv[i]}`);
        parsed[argv[i].slice(2)] = argv[i + 1];
    }
    return parsed;
}

function fail(message) {
    console.error("llama-cpp.mjs: " + message);
    process.exit(1);
}
