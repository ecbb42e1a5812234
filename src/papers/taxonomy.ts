/** The curated topics readers choose from. Matching rules live in classify.ts. */
export interface TopicDefinition {
  slug: string;
  name: string;
  description: string;
}

export const TOPICS: TopicDefinition[] = [
  {
    slug: "llms",
    name: "Language models",
    description: "Large language models: pre-training, fine-tuning, prompting, evaluation.",
  },
  {
    slug: "reasoning",
    name: "Reasoning & math",
    description: "Chain-of-thought, mathematical and logical reasoning, test-time compute.",
  },
  {
    slug: "agents",
    name: "Agents & tool use",
    description: "Autonomous agents, tool calling, web and GUI agents, planning.",
  },
  {
    slug: "code",
    name: "Code",
    description: "Code generation, software engineering agents, program synthesis.",
  },
  {
    slug: "multimodal",
    name: "Multimodal",
    description: "Vision-language models, models that combine text, images, audio and video.",
  },
  {
    slug: "image-generation",
    name: "Image generation",
    description: "Diffusion and autoregressive image generation and editing.",
  },
  { slug: "video", name: "Video", description: "Video generation, editing and understanding." },
  {
    slug: "3d-vision",
    name: "3D & vision",
    description: "3D reconstruction, scenes, Gaussian splatting, detection, segmentation.",
  },
  {
    slug: "speech-audio",
    name: "Speech & audio",
    description: "Speech recognition and synthesis, music and audio generation.",
  },
  {
    slug: "reinforcement-learning",
    name: "Reinforcement learning",
    description: "RL algorithms, RLHF and RL with verifiable rewards, reward models.",
  },
  {
    slug: "robotics",
    name: "Robotics & embodied AI",
    description: "Robot learning, manipulation, navigation, vision-language-action models.",
  },
  {
    slug: "efficiency",
    name: "Efficiency & quantization",
    description: "Quantization, pruning, distillation, fast inference, long context.",
  },
  {
    slug: "training",
    name: "Training & architectures",
    description: "Scaling, optimizers, mixture-of-experts, new architectures, training recipes.",
  },
  {
    slug: "data-benchmarks",
    name: "Data & benchmarks",
    description: "Datasets, benchmarks, evaluation methodology, data curation.",
  },
  {
    slug: "safety",
    name: "Safety & alignment",
    description: "Alignment, jailbreaks, interpretability, hallucination, fairness, privacy.",
  },
  {
    slug: "science",
    name: "AI for science & health",
    description: "Biology, chemistry, medicine, materials, climate and other sciences.",
  },
  {
    slug: "theory",
    name: "Theory",
    description: "Learning theory, optimization theory, analyses of why models work.",
  },
];
