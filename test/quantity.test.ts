// The quantity check against Kubernetes' own grammar: the cases are those of apimachinery's
// pkg/api/resource/quantity_test.go (TestQuantityParse: its valid table, its negative and explicit
// "+" variants, and its invalid list), so what passes here is what the API server accepts.
import { checkQuantity, isQuantity } from '../lib/common/validate';

/** TestQuantityParse's table: every input the API server parses. */
const VALID = [
  '0', '0n', '0u', '0m', '0Ki', '0k', '0Mi', '0M', '0Gi', '0G', '0Ti', '0T',
  '1', '1Ki', '8Ki', '7Mi', '6Gi', '5Ti', '4Pi', '3Ei', '10Ti', '100Ti',
  '5n', '4u', '3m', '9', '8k', '50k', '7M', '6G', '5T', '40T', '300T', '2P', '1E',
  '1E-3', '1e3', '1E6', '1e9', '1E12', '1e15', '1E18', '1e14', '1e13', '100.035k',
  '0.001', '0.0005k', '0.005', '0.05', '0.5', '0.00050k', '0.00500', '0.05000', '0.50000', '0.5e0', '0.5e-1', '0.5e-2', '10.035M',
  '1.2e3', '1.3E+6', '1.40e9', '1.53E12', '1.6e15', '1.7E18',
  '9.01', '8.1k', '7.123456M', '6.987654321G', '5.444T', '40.1T', '300.2T', '2.5P', '1.01E',
  '3.001n', '1.1E-9', '0.0000000001', '0.0000000005', '0.00000000050', '0.5e-9', '0.9n', '0.00000012345', '0.00000012354',
  '9Ei', '9223372036854775807Ki', '12E',
  '100.035Ki', '0.5Mi', '0.05Gi', '0.025Ti',
  '0.000000000001Ki', '.001', '.0001k', '1.', '1.G',
];

/** TestQuantityParse's invalid list, plus the empty string it rejects first. */
const INVALID = ['', '1.1.M', '1+1.0M', '0.1mi', '0.1am', 'aoeu', '.5i', '1i', '-3.01i', '-3.01e-', ' 1', '1 '];

describe('a quantity is what the API server parses', () => {
  test.each(VALID)('%s', (q) => expect(isQuantity(q)).toBe(true));
  test.each(VALID)('-%s (every valid input, negated)', (q) => expect(isQuantity(`-${q}`)).toBe(true));
  test.each(VALID)('+%s (every valid input, with an explicit sign)', (q) => expect(isQuantity(`+${q}`)).toBe(true));
});

describe('what the API server refuses is not a quantity', () => {
  test.each(INVALID)('%j', (q) => expect(isQuantity(q)).toBe(false));
});

describe('sizes and amounts must be positive quantities', () => {
  test.each(['1e3', '.5Gi', '1Gi', '250m', '+1Mi', '1.', '0.5e-2'])('%s is accepted', (q) => {
    expect(checkQuantity('mehdb.storageSize', q)).toBe(q);
  });
  test.each(['0', '0.0Gi', '-1Gi', '+0', '1 gigabyte', '.'])('%j is refused, naming the prop and the fix', (q) => {
    expect(() => checkQuantity('mehdb.storageSize', q)).toThrow(/^mehdb\.storageSize: .* is not a positive Kubernetes quantity\. Fix: /);
  });
});
