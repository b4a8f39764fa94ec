/** Cases from compose-go's loader/loader_test.go (whole small files, as upstream loads them). */
import type { StackCase } from './types.js';

const L = 'compose-spec/compose-go loader/loader_test.go';

export const LOADER_CASES: StackCase[] = [
  { source: `${L} TestInvalidTopLevelObjectType "1"`, yaml: '1\n', refused: 'yaml.not-a-mapping' },
  {
    source: `${L} TestInvalidTopLevelObjectType "\\"hello\\""`,
    yaml: '"hello"\n',
    refused: 'yaml.not-a-mapping',
  },
  {
    source: `${L} TestInvalidTopLevelObjectType "[\\"hello\\"]"`,
    yaml: '["hello"]\n',
    refused: 'yaml.not-a-mapping',
  },
  {
    source: `${L} TestNonStringKeys (top level)`,
    yaml: '123:\n  foo:\n    image: busybox\n',
    refused: 'yaml.non-string-key',
  },
  {
    source: `${L} TestNonStringKeys (services)`,
    yaml: 'services:\n  foo:\n    image: busybox\n  123:\n    image: busybox\n',
    refused: 'yaml.non-string-key',
  },
  {
    source: `${L} TestNonStringKeys (networks.default.ipam.config[0])`,
    yaml: 'services:\n  foo:\n    image: busybox\nnetworks:\n  default:\n    ipam:\n      config:\n        - 123: oh dear\n',
    refused: 'yaml.non-string-key',
  },
  {
    source: `${L} TestNonStringKeys (services.dict-env.environment)`,
    yaml: 'services:\n  dict-env:\n    image: busybox\n    environment:\n      1: FOO\n',
    refused: 'yaml.non-string-key',
  },
  {
    source: `${L} TestLoadEnvironmentWithBoolean`,
    yaml: 'services:\n  s:\n    image: busybox\n    environment:\n      FOO: true\n      BAR: false\n',
    field: { name: 'environment', value: { FOO: 'true', BAR: 'false' } },
  },
  {
    source: `${L} TestInvalidEnvironmentValue`,
    yaml: 'services:\n  s:\n    image: busybox\n    environment:\n      FOO: ["1"]\n',
    refused: 'schema.type',
  },
  {
    source: `${L} TestInvalidEnvironmentObject`,
    yaml: 'services:\n  s:\n    image: busybox\n    environment: "FOO=1"\n',
    refused: 'schema.type',
  },
];
