/** Class names of the image datasets, indexed by label (no I/O: shared by the Node and browser entries). */

/** Fashion-MNIST's class names, indexed by label. */
export const FASHION_MNIST_CLASSES: readonly string[] = Object.freeze([
  'T-shirt/top',
  'Trouser',
  'Pullover',
  'Dress',
  'Coat',
  'Sandal',
  'Shirt',
  'Sneaker',
  'Bag',
  'Ankle boot',
]);

/** MNIST's class names: the digits. */
export const MNIST_CLASSES: readonly string[] = Object.freeze(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
