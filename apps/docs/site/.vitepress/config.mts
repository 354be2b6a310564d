import { defineConfig } from 'vitepress';

export default defineConfig({
  title: '@wn',
  description: 'Weight normalization (Salimans & Kingma, 2016) for JavaScript',
  cleanUrls: false,
  // the API reference is TypeDoc's HTML, written into the build after VitePress (see package.json);
  // the browser test checks that the links resolve
  ignoreDeadLinks: [/^\/api\//],
  lastUpdated: false,
  head: [['link', { rel: 'icon', type: 'image/svg+xml', href: '/favicon.svg' }]],
  themeConfig: {
    nav: [
      { text: 'Guide', link: '/guide/getting-started' },
      { text: 'Experiments', link: '/experiments/classify' },
      { text: 'Contributing', link: '/contributing' },
      { text: 'API', link: '/api/index.html', target: '_self' },
    ],
    sidebar: [
      {
        text: 'Guide',
        items: [
          { text: 'Getting started', link: '/guide/getting-started' },
          { text: 'Weight normalization', link: '/guide/weight-normalization' },
          { text: 'Data-dependent initialization', link: '/guide/data-init' },
          { text: 'Mean-only batch norm', link: '/guide/mean-only-batch-norm' },
          { text: 'Parametrizations', link: '/guide/parametrizations' },
          { text: 'Backends', link: '/guide/backends' },
        ],
      },
      {
        text: 'Experiments',
        items: [
          { text: 'Classification (CIFAR-10, Fashion-MNIST)', link: '/experiments/classify' },
          { text: 'Reinforcement learning (DQN)', link: '/experiments/rl-dqn' },
          { text: 'Generative models (VAE, DRAW)', link: '/experiments/gen-vae-draw' },
        ],
      },
      { text: 'Contributing', items: [{ text: 'Contributing', link: '/contributing' }] },
      { text: 'Reference', items: [{ text: 'API (TypeDoc)', link: '/api/index.html', target: '_self' }] },
    ],
    search: { provider: 'local' },
  },
});
