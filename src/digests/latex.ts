/**
 * Feeds carry the LaTeX that authors typed into arXiv: `UI2Code$^\text{N}$`, `\"Ust\"un`,
 * `16.7\%`, `\(TPP\)`, `\textbf{Ventor}`. A reader should see readable Unicode text instead
 * (`UI2Codeᴺ`, `Üstün`, `16.7%`, `TPP`, `Ventor`). Pure and total: anything it does not know
 * is left as typed, minus the markup characters, and a lone `$` (as in "$60 GPUs") is money.
 */

const ACCENTS: Record<string, string> = {
  '"': "\u0308",
  "'": "\u0301",
  "`": "\u0300",
  "^": "\u0302",
  "~": "\u0303",
  "=": "\u0304",
  ".": "\u0307",
  u: "\u0306",
  v: "\u030C",
  H: "\u030B",
  c: "\u0327",
  k: "\u0328",
  r: "\u030A",
};

const SYMBOLS: Record<string, string> = {
  alpha: "α",
  beta: "β",
  gamma: "γ",
  delta: "δ",
  epsilon: "ε",
  varepsilon: "ε",
  zeta: "ζ",
  eta: "η",
  theta: "θ",
  kappa: "κ",
  lambda: "λ",
  mu: "μ",
  nu: "ν",
  xi: "ξ",
  pi: "π",
  rho: "ρ",
  sigma: "σ",
  tau: "τ",
  phi: "φ",
  varphi: "φ",
  chi: "χ",
  psi: "ψ",
  omega: "ω",
  Gamma: "Γ",
  Delta: "Δ",
  Theta: "Θ",
  Lambda: "Λ",
  Pi: "Π",
  Sigma: "Σ",
  Phi: "Φ",
  Psi: "Ψ",
  Omega: "Ω",
  times: "×",
  cdot: "·",
  pm: "±",
  leq: "≤",
  le: "≤",
  geq: "≥",
  ge: "≥",
  neq: "≠",
  ne: "≠",
  approx: "≈",
  sim: "∼",
  infty: "∞",
  to: "→",
  rightarrow: "→",
  leftarrow: "←",
  Rightarrow: "⇒",
  leftrightarrow: "↔",
  in: "∈",
  sum: "∑",
  prod: "∏",
  sqrt: "√",
  partial: "∂",
  nabla: "∇",
  ldots: "…",
  dots: "…",
  cdots: "⋯",
  circ: "∘",
  star: "⋆",
  dagger: "†",
  ell: "ℓ",
  prime: "′",
  checkmark: "✓",
  ss: "ß",
  o: "ø",
  O: "Ø",
  ae: "æ",
  AE: "Æ",
  oe: "œ",
  OE: "Œ",
  aa: "å",
  AA: "Å",
  l: "ł",
  L: "Ł",
  i: "ı",
  S: "§",
  textasciitilde: "~",
  LaTeX: "LaTeX",
  TeX: "TeX",
};

const SUPERSCRIPT: Record<string, string> = Object.fromEntries(
  [..."0123456789+-=()abcdefghijklmnoprstuvwxyzABDEGHIJKLMNOPRTUVW"].map((c, i) => [
    c,
    [..."⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ᵃᵇᶜᵈᵉᶠᵍʰⁱʲᵏˡᵐⁿᵒᵖʳˢᵗᵘᵛʷˣʸᶻᴬᴮᴰᴱᴳᴴᴵᴶᴷᴸᴹᴺᴼᴾᴿᵀᵁⱽᵂ"][i]!,
  ]),
);
const SUBSCRIPT: Record<string, string> = Object.fromEntries(
  [..."0123456789+-=()aehijklmnoprstuvx"].map((c, i) => [
    c,
    [..."₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎ₐₑₕᵢⱼₖₗₘₙₒₚᵣₛₜᵤᵥₓ"][i]!,
  ]),
);

/** `^{…}` / `_{…}`: Unicode super- or subscripts when every character has one, else `^(…)`. */
function script(body: string, map: Record<string, string>, mark: string): string {
  const chars = [...body];
  if (chars.length > 0 && chars.every((c) => map[c])) return chars.map((c) => map[c]).join("");
  return body.length === 1 ? `${mark}${body}` : `${mark}(${body})`;
}

/** Text commands whose argument is shown as it is: `\textbf{X}` → `X`. */
const TEXT_COMMANDS =
  /\\(?:text(?:bf|it|tt|sc|rm|sf|normal)?|math(?:bf|it|rm|tt|sf|cal|bb|frak)|emph|operatorname|mbox|bm|boldsymbol|underline)\s*\{([^{}]*)\}/g;

const SYMBOL_ACCENT = /\\(["'`^~=.])\s*(?:\{\s*\\?([A-Za-z])\s*\}|\\?([A-Za-z]))/g;
const LETTER_ACCENT = /\\([uvHckr])(?:\s*\{\s*\\?([A-Za-z])\s*\}|\s+([A-Za-z]))/g;

function accent(_m: string, mark: string, braced?: string, bare?: string): string {
  return `${braced ?? bare ?? ""}${ACCENTS[mark]}`.normalize("NFC");
}

/** One pass of LaTeX inside or outside math; `math` adds super- and subscripts. */
function convert(text: string, math: boolean): string {
  let out = text
    .replace(TEXT_COMMANDS, "$1")
    .replace(SYMBOL_ACCENT, accent)
    .replace(LETTER_ACCENT, accent)
    .replace(/\\([%$&#_{}])/g, "$1")
    .replace(/\\[,;:! ]/g, (m) => (m === "\\!" ? "" : " "))
    .replace(/\\([A-Za-z]+)(?:\{\})?/g, (_m, name: string) => SYMBOLS[name] ?? name)
    .replace(/``|''/g, '"');
  if (math) {
    out = out
      .replace(/\^\{([^{}]*)\}|\^(\S)/g, (_m, a?: string, b?: string) =>
        script(a ?? b ?? "", SUPERSCRIPT, "^"),
      )
      .replace(/_\{([^{}]*)\}|_([A-Za-z0-9])/g, (_m, a?: string, b?: string) =>
        script(a ?? b ?? "", SUBSCRIPT, "_"),
      );
  }
  return out.replace(/(?<!\\)[{}]/g, "");
}

/** Readable Unicode text from a title, name or abstract that may hold LaTeX. */
export function latexToText(input: string): string {
  if (!/[\\$^_{}`']/.test(input)) return input;
  // Inline math: \(…\), and $…$ whose content looks like math (no space after the opening $,
  // none before the closing one, and not a price like "$60 GPUs … $3").
  const math = input
    .replace(/\\\((.+?)\\\)/g, (_m, body: string) => convert(body, true))
    .replace(/\$(?!\s)([^$]{1,80}?)(?<!\s)\$(?!\d)/g, (whole, body: string) =>
      /^\d[\d.,]*$/.test(body) ? whole : convert(body, true),
    );
  return convert(math, false).replace(/\s+/g, " ").trim();
}
