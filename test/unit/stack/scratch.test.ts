import { it } from 'vitest';
import { parseYaml } from '../../../src/stack/parse.js';
import { validateSchema } from '../../../src/stack/schema.js';
it('scratch', () => {
  const src = `services:
  web:
    image: 3
    imag: x
    ports:
      - {target: 80, bogus: 1}
      - [1]
      - "80"
    restart: sometimes
    ulimits:
      nofile: abc
      nproc: {soft: 1}
    depends_on:
      db: {condition: bad}
    healthcheck:
      interval: 10
    deploy:
      replicas: "x"
      resources: {limits: {memory: 1.5G, cpus: "0.5"}}
  "bad name!":
    image: x
networks:
  n1:
  n2: 3
volumes: []
foo: 1
`;
  const r = parseYaml('c.yaml', src);
  console.log(r.diagnostics);
  for (const d of validateSchema(r.doc!)) console.log(`${d.line}:${d.column} ${d.rule} ${d.path} | ${d.message}`);
});
