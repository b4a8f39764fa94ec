import { describe, expect, it } from 'vitest';
import { check, only, refusals } from './helpers.js';

const P = only('images');

describe('image.build', () => {
  it('refuses build: with a build-and-ship message', () => {
    const found = check('services:\n  a:\n    image: nginx:1\n    build: .\n', P);
    expect(found.map((d) => `${d.line}:${d.rule}`)).toEqual(['4:image.build']);
    expect(found[0]?.message).toMatch(/build-and-ship/);
  });
  it('accepts an image without build', () => {
    expect(refusals('services:\n  a:\n    image: nginx:1\n', P)).toEqual([]);
  });
});

describe('image.registry', () => {
  const lab = only('images', {
    images: { registries: ['registry.example.org', '*.nersc.gov', 'docker.io/library'] },
  });
  it('refuses registries outside the allow list, whatever alias names Docker Hub', () => {
    expect(
      refusals(
        `
        services:
          a: { image: "ghcr.io/x/y:1" }
          b: { image: "bitnami/redis:7" }
          c: { image: "index.docker.io/bitnami/redis:7" }
          d: { image: "\${REG}/lab/app:1" }
          e: { image: "evilnersc.gov/app:1" }
        `,
        lab,
        { env: { REG: 'quay.io' } },
      ),
    ).toEqual([
      '2:image.registry',
      '3:image.registry',
      '4:image.registry',
      '5:image.registry',
      '6:image.registry',
    ]);
  });
  it('accepts allowed hosts, sub-domains and repository prefixes', () => {
    expect(
      refusals(
        `
        services:
          a: { image: "registry.example.org/lab/app:1" }
          b: { image: "registry.nersc.gov/lab/app:1" }
          c: { image: "nginx:1.25" }
          d: { image: "docker.io/library/postgres:16" }
        `,
        lab,
      ),
    ).toEqual([]);
  });
});

describe('image.tag-required', () => {
  it('refuses images with neither tag nor digest, also when the tag variable is empty', () => {
    expect(
      refusals(
        'services:\n  a:\n    image: nginx\n  b:\n    image: localhost:5000/app\n  c:\n    image: "app:${TAG:-}"\n',
        P,
      ),
    ).toEqual(['3:image.tag-required', '5:image.tag-required', '7:image.tag-required']);
  });
  it('accepts a tag, a digest, and a registry port that is not a tag', () => {
    expect(
      refusals(
        `
        services:
          a: { image: "nginx:1.25" }
          b: { image: "nginx@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef" }
          c: { image: "localhost:5000/app:2" }
        `,
        P,
      ),
    ).toEqual([]);
  });
});

describe('image.latest', () => {
  it('refuses the latest tag in any case', () => {
    expect(refusals('services:\n  a:\n    image: nginx:latest\n  b:\n    image: nginx:LATEST\n', P)).toEqual([
      '3:image.latest',
      '5:image.latest',
    ]);
  });
  it('accepts latest pinned by digest, or when the policy allows it', () => {
    expect(
      refusals(
        'services:\n  a:\n    image: nginx:latest@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\n',
        P,
      ),
    ).toEqual([]);
    expect(
      refusals(
        'services:\n  a:\n    image: nginx:latest\n',
        only('images', { images: { allowLatest: true } }),
      ),
    ).toEqual([]);
  });
});
