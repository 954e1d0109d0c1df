// Labels for the product and conversation-kind facets. A product the API
// adds later arrives as its raw surface name and is shown as it is.
const PRODUCTS = {
  claude_ai: 'Claude.ai',
  claude_code: 'Claude Code',
  cowork: 'Cowork',
  claude_science: 'Claude Science',
  office_agents: 'Claude for Microsoft 365',
  claude_in_chrome: 'Claude in Chrome',
  unknown_surface: 'Unknown product',
};

export function productLabel(p) { return PRODUCTS[p] || p || 'Claude.ai'; }

export function kindLabel(k) { return k === 'session' ? 'Session' : k === 'chat' ? 'Chat' : k; }

export function roleLabel(r) {
  if (r === 'human') return 'User';
  if (r === 'assistant') return 'Assistant';
  // Tool results arrive as user turns; they are what a tool printed.
  if (r === 'tool') return 'Tool output';
  // Text the API put in place of content ("[system prompt content not shown]").
  if (r === 'system') return 'API marker';
  return r;
}
