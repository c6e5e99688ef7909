/**
 * Which tier runs the tests: `npm run test:fast` (the everyday tier) sets DEMOCRATOR_TEST_TIER=fast;
 * `npm test` and CI run the full tier.
 */
export const everydayTier = process.env.DEMOCRATOR_TEST_TIER === 'fast';

/** Generated cases for a property test: all of them in the full tier, a quarter every day. */
export const propertyRuns = (full: number): number => (everydayTier ? Math.ceil(full / 4) : full);
