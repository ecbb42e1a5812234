/**
 * The keyword rules that filed papers before the learned model (src/papers/classify.ts), kept
 * unchanged as the baseline it is measured against (`npm run bench -- topics`): weighted
 * whole-word phrases over a paper's arXiv categories, AI keywords, title and abstract. Most
 * of their phrases live on in the model's lexicon (src/papers/topic-lexicon.ts). Pure.
 */
import type { ClassifiablePaper, TopicScore } from "../src/papers/paper.ts";

export interface TopicRule {
  /** arXiv categories; "q-bio." matches every q-bio.* category. */
  categories: string[];
  /** Phrases counted in title, keywords and abstract. */
  terms: string[];
  /** Phrases too common in abstracts ("code is available"); counted in title and keywords only. */
  headlineTerms?: string[];
}

// Weights per place a phrase is found: the title says what a paper is about, the abstract
// mentions many things in passing.
const TITLE = 3;
const KEYWORD = 2;
const ABSTRACT = 1;
const CATEGORY = 2;
/** A topic needs at least this score, e.g. a title hit, or a keyword hit plus an abstract hit. */
const MIN_SCORE = 3;
/** Weaker topics than this share of the best one are dropped, so papers stay focused. */
const RELATIVE_CUTOFF = 0.4;
const MAX_TOPICS = 4;

export const TOPIC_RULES: Record<string, TopicRule> = {
  llms: {
    categories: ["cs.CL"],
    terms: ["large language model", "llm", "language model", "instruction tuning", "tokenizer"],
    headlineTerms: ["pre training", "pretraining", "fine tuning", "prompting", "multilingual"],
  },
  reasoning: {
    categories: ["math.LO"],
    terms: [
      "reasoning model",
      "chain of thought",
      "cot",
      "mathematical reasoning",
      "math reasoning",
      "theorem proving",
      "test time scaling",
      "test time compute",
      "long cot",
      "olympiad",
      "self consistency",
      "thinking",
    ],
    headlineTerms: ["reasoning", "reasoner", "math", "logical"],
  },
  agents: {
    categories: ["cs.MA"],
    terms: [
      "agent",
      "agentic",
      "multi agent",
      "tool use",
      "tool calling",
      "tool learning",
      "web agent",
      "gui agent",
      "computer use",
      "deep research",
      "mcp",
      "harness",
    ],
  },
  code: {
    categories: ["cs.SE", "cs.PL"],
    terms: [
      "code generation",
      "code llm",
      "code agent",
      "coding agent",
      "software engineering",
      "program synthesis",
      "swe bench",
      "code repository",
      "repository level",
      "code completion",
      "code review",
      "programming",
      "verilog",
    ],
    headlineTerms: ["code", "coding", "coder", "refactoring", "bug", "software"],
  },
  multimodal: {
    categories: [],
    terms: [
      "multimodal",
      "multi modal",
      "vision language",
      "vision language model",
      "mllm",
      "lmm",
      "vlm",
      "vl",
      "visual question answering",
      "image text",
      "omni modal",
      "omnimodal",
      "audio visual",
      "visual reasoning",
    ],
  },
  "image-generation": {
    categories: [],
    terms: [
      "image generation",
      "text to image",
      "image editing",
      "image synthesis",
      "diffusion model",
      "diffusion transformer",
      "flow matching",
      "visual generation",
      "autoregressive image generation",
      "image generator",
      "visual tokenizer",
      "style transfer",
    ],
    headlineTerms: ["diffusion", "generative model", "dit"],
  },
  video: {
    categories: [],
    terms: [
      "video",
      "video generation",
      "text to video",
      "video understanding",
      "video diffusion",
      "animation",
      "motion",
      "temporal",
      "world model",
      "videogpt",
    ],
  },
  "3d-vision": {
    categories: ["cs.GR"],
    terms: [
      "3d",
      "4d",
      "gaussian splatting",
      "nerf",
      "point cloud",
      "depth estimation",
      "novel view synthesis",
      "mesh",
      "3d reconstruction",
      "scene reconstruction",
      "object detection",
      "semantic segmentation",
      "segmentation",
      "pose estimation",
      "geometry",
      "spatial intelligence",
      "spatial reasoning",
      "stereo",
    ],
    headlineTerms: ["scene", "vision", "visual encoder", "camera"],
  },
  "speech-audio": {
    categories: ["cs.SD", "eess.AS"],
    terms: [
      "speech",
      "audio",
      "tts",
      "text to speech",
      "speech recognition",
      "music",
      "voice",
      "spoken",
      "singing",
    ],
  },
  "reinforcement-learning": {
    categories: [],
    terms: [
      "reinforcement learning",
      "rl",
      "rlhf",
      "rlvr",
      "verifiable reward",
      "reward model",
      "reward modeling",
      "policy optimization",
      "grpo",
      "ppo",
      "dpo",
      "on policy",
      "off policy",
      "preference optimization",
    ],
    headlineTerms: ["reward", "policy"],
  },
  robotics: {
    categories: ["cs.RO"],
    terms: [
      "robot",
      "robotic",
      "robotics",
      "embodied",
      "vision language action",
      "vla",
      "robotic manipulation",
      "robot manipulation",
      "dexterous manipulation",
      "autonomous driving",
      "locomotion",
      "humanoid",
      "navigation",
      "dexterous",
      "grasping",
    ],
  },
  efficiency: {
    categories: ["cs.PF", "cs.AR"],
    terms: [
      "quantization",
      "quantized",
      "pruning",
      "distillation",
      "knowledge distillation",
      "speculative decoding",
      "kv cache",
      "long context",
      "sparse attention",
      "inference acceleration",
      "efficient inference",
      "inference efficiency",
      "compression",
      "token pruning",
      "token compression",
      "low bit",
      "latency",
      "throughput",
      "serving",
      "memory footprint",
      "lora",
    ],
    headlineTerms: ["efficient", "efficiency", "fast", "faster", "acceleration", "lightweight"],
  },
  training: {
    categories: ["cs.DC", "cs.NE"],
    terms: [
      "scaling law",
      "optimizer",
      "mixture of experts",
      "moe",
      "state space model",
      "mamba",
      "linear attention",
      "training recipe",
      "training stability",
      "learning rate",
      "muon",
      "adam",
      "model merging",
      "pre training",
      "pretraining",
      "architecture",
      "technical report",
      "foundation model",
      "post training",
      "continual learning",
    ],
    headlineTerms: ["transformer", "transformers", "training", "scaling", "attention"],
  },
  "data-benchmarks": {
    categories: [],
    terms: [
      "benchmark",
      "dataset",
      "data curation",
      "synthetic data",
      "leaderboard",
      "annotation",
      "corpus",
      "evaluation suite",
      "data engine",
      "data pipeline",
      "data synthesis",
    ],
    headlineTerms: ["evaluation", "evaluating", "benchmarking", "data", "bench", "arena"],
  },
  safety: {
    categories: ["cs.CR", "cs.CY"],
    terms: [
      "safety",
      "safety alignment",
      "value alignment",
      "human values",
      "ai alignment",
      "jailbreak",
      "red teaming",
      "interpretability",
      "hallucination",
      "fairness",
      "privacy",
      "harmful",
      "adversarial attack",
      "watermark",
      "watermarking",
      "sparse autoencoder",
      "mechanistic",
      "unlearning",
      "toxicity",
      "deception",
      "deceptive",
      "misalignment",
      "prompt injection",
      "backdoor",
      "robustness",
      "steering",
      "trustworthy",
    ],
    headlineTerms: ["safe", "bias", "secure", "security", "attack"],
  },
  science: {
    categories: ["q-bio.", "physics.", "astro-ph", "cond-mat.", "q-fin.", "eess.IV"],
    terms: [
      "biology",
      "biological",
      "protein",
      "molecule",
      "molecular",
      "chemistry",
      "chemical",
      "medical",
      "clinical",
      "medicine",
      "healthcare",
      "drug",
      "materials",
      "climate",
      "weather",
      "genomic",
      "genomics",
      "physics",
      "scientific",
      "scientific discovery",
      "pathology",
      "radiology",
      "single cell",
      "patient",
      "earth observation",
      "satellite",
      "financial",
      "finance",
    ],
    headlineTerms: ["science", "scientist", "health", "research assistant"],
  },
  theory: {
    categories: ["stat.ML", "math.OC", "math.ST"],
    terms: [
      "we prove",
      "theoretical",
      "theoretically",
      "provably",
      "theorem",
      "convergence rate",
      "generalization bound",
      "sample complexity",
      "regret bound",
      "upper bound",
      "lower bound",
      "learning theory",
      "grokking",
      "grokked",
      "implicit bias",
      "expressivity",
      "expressive power",
      "closed form",
      "phase transition",
      "scaling theory",
    ],
    headlineTerms: ["theory", "why", "theoretical analysis"],
  },
};

/** Lowercase, hyphens and punctuation to spaces: "Chain-of-Thought" matches "chain of thought". */
function normalise(text: string): string {
  return ` ${text
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, " ")
    .trim()} `;
}

/** Whole-word phrase search, allowing a plural "s" or "es". */
function contains(haystack: string, phrase: string): boolean {
  const needle = normalise(phrase).trim();
  let from = haystack.indexOf(` ${needle}`);
  while (from !== -1) {
    const rest = haystack.slice(from + needle.length + 1);
    if (rest.startsWith(" ") || rest.startsWith("s ") || rest.startsWith("es ")) return true;
    from = haystack.indexOf(` ${needle}`, from + 1);
  }
  return false;
}

function categoryMatches(categories: string[], wanted: string): boolean {
  return categories.some((c) => (wanted.endsWith(".") ? c.startsWith(wanted) : c === wanted));
}

/** Where one topic's rule phrases were found in one paper. */
export interface RuleEvidence {
  slug: string;
  /** Phrases found in the title, the AI keywords and the abstract. */
  title: number;
  keywords: number;
  abstract: number;
  /** Whether an arXiv category of the rule is among the paper's. */
  category: boolean;
  /** The rules' weighted sum of the above. */
  score: number;
}

/** Every topic's rule evidence for one paper, in the rules' order. */
function ruleEvidence(
  paper: ClassifiablePaper,
  rules: Record<string, TopicRule> = TOPIC_RULES,
): RuleEvidence[] {
  const title = normalise(paper.title);
  const keywords = normalise(paper.ai_keywords.join(" | "));
  const abstract = normalise(paper.abstract);
  return Object.entries(rules).map(([slug, rule]) => {
    const found = { slug, title: 0, keywords: 0, abstract: 0, category: false, score: 0 };
    for (const term of [...rule.terms, ...(rule.headlineTerms ?? [])]) {
      if (contains(title, term)) found.title++;
      if (contains(keywords, term)) found.keywords++;
    }
    for (const term of rule.terms) if (contains(abstract, term)) found.abstract++;
    found.category = rule.categories.some((c) => categoryMatches(paper.arxiv_categories, c));
    found.score =
      TITLE * found.title +
      KEYWORD * found.keywords +
      ABSTRACT * found.abstract +
      (found.category ? CATEGORY : 0);
    return found;
  });
}

/** Today's rules as a classifier: the result is sorted best first and may be empty. */
export function classifyByRules(
  paper: ClassifiablePaper,
  rules: Record<string, TopicRule> = TOPIC_RULES,
): TopicScore[] {
  const scored = ruleEvidence(paper, rules)
    .filter((e) => e.score >= MIN_SCORE)
    .map((e) => ({ slug: e.slug, score: e.score, inTitle: e.title > 0 }));
  const best = Math.max(0, ...scored.map((t) => t.score));
  const byScore = (a: TopicScore, b: TopicScore) =>
    b.score - a.score || a.slug.localeCompare(b.slug);
  // What the title names always counts; other topics must be close to the best one.
  return scored
    .filter((t) => t.inTitle || t.score >= best * RELATIVE_CUTOFF)
    .sort((a, b) => Number(b.inTitle) - Number(a.inTitle) || byScore(a, b))
    .slice(0, MAX_TOPICS)
    .map(({ slug, score }) => ({ slug, score }))
    .sort(byScore);
}
