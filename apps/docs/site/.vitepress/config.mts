import { createRequire } from 'node:module';
import { defineConfig } from 'vitepress';

const require = createRequire(import.meta.url);

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
      { text: 'Live demos', link: '/demo/' },
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
      {
        text: 'Live demos',
        items: [
          { text: 'Convnet: weight norm vs standard', link: '/demo/' },
          { text: 'DQN on CartPole', link: '/demo/cartpole' },
        ],
      },
      { text: 'Contributing', items: [{ text: 'Contributing', link: '/contributing' }] },
      { text: 'Reference', items: [{ text: 'API (TypeDoc)', link: '/api/index.html', target: '_self' }] },
    ],
    search: { provider: 'local' },
  },
  // the live demos (apps/docs/demo) bundle @wn's TypeScript sources, in Web Workers
  vite: {
    resolve: {
      conditions: ['@wn/source'],
      // gpu.js (an optional peer of @wn/tensor) in its browser build, not the Node one
      alias: [{ find: /^gpu\.js$/, replacement: require.resolve('gpu.js/dist/gpu-browser.min.js') }],
    },
    // @wn/tensor/gpujs uses top-level await
    build: { target: 'es2022', assetsInlineLimit: (file: string) => (file.endsWith('.gz') ? false : undefined) },
    worker: { format: 'es' },
    // pre-bundled at start, so the dev server need not reload the page when the gpu.js demo first loads it
    optimizeDeps: { include: ['gpu.js'], esbuildOptions: { target: 'es2022' } },
  },
});
