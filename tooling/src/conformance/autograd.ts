/** The conformance suite differentiates every case, so it needs @wn/autograd. */
export { gradcheck, valueAndGrads, type GradcheckResult } from '@wn/autograd';
