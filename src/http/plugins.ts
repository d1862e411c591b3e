import { useCSRFPrevention } from '@graphql-yoga/plugin-csrf-prevention';
import { NoSchemaIntrospectionCustomRule } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Services } from '../services.ts';
import { useBodyLimit } from './body-limit.ts';
import { useOneCredentialCheck } from './credential-checks.ts';
import { useResponseEffects } from './response-effects.ts';
import { useRoutes } from './routes.ts';

export const MAX_BODY_BYTES = 100 * 1024;

/** The request pipeline, in order (DESIGN §1). The context builder and error masking are set on Yoga itself. */
export function plugins(services: Services): Plugin[] {
  return [
    useRoutes(services),
    useBodyLimit(MAX_BODY_BYTES),
    useCSRFPrevention({ requestHeaders: ['x-graphql-yoga-csrf', 'apollo-require-preflight'] }),
    useOneCredentialCheck(),
    ...(services.config.production ? [useNoIntrospection()] : []),
    useResponseEffects(),
  ];
}

/** Production answers no introspection query: the schema is published as schema.graphql instead. */
function useNoIntrospection(): Plugin {
  return {
    onValidate({ addValidationRule }) {
      addValidationRule(NoSchemaIntrospectionCustomRule);
    },
  };
}
