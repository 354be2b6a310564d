// An example of site/guide/data-init.md, which shows the region below.
// #region example
import { VARIANTS, convUnit } from '@wn/layers';

const unit = convUnit(3, 96, 3, {
  variant: { ...VARIANTS.standard, norm: 'dataInitScale', bias: false, dataInit: true },
  padding: 'same',
});
// #endregion example

export { unit };
