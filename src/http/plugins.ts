import { NoSchemaIntrospectionCustomRule, type DocumentNode } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Services } from '../services.ts';
import { useApiKeyUsage } from './api-key-usage.ts';
import { useBodyLimit } from './body-limit.ts';
import { useOneCredentialCheck } from './credential-checks.ts';
import { useCsrfPrevention } from './csrf.ts';
import { useMaskedErrors } from './masked-errors.ts';
import { useSupportedMediaTypes } from './media-type.ts';
import { useNoSuggestions } from './no-suggestions.ts';
import { useNoNulCharacters } from './nul-characters.ts';
import { OPERATION_LIMITS, useOperationLimits } from './operation-limits.ts';
import { useRequestId } from './request-id.ts';
import { useRequestRelease } from './request-release.ts';
import { useResponseEffects } from './response-effects.ts';
import { useRoutes } from './routes.ts';
import { useTrustedDocuments } from './trusted-documents.ts';
import { useSocialCallback } from '../federation/callback-route.ts';
import { useOAuthRoutes } from '../oauth/routes.ts';
import { usePages } from '../pages/routes.ts';
import { useAdminConsole } from '../console/routes.ts';
import { useOperationMetrics } from '../observability/graphql-metrics.ts';
import { useMetricsRoute } from '../observability/metrics-route.ts';
import { useRequestObservation } from '../observability/request-log.ts';
import { useTracing } from '../observability/tracing-plugin.ts';
import { useScopeCacheRelease } from '../graphql/scope-cache.ts';

export const MAX_BODY_BYTES = 100 * 1024;

/**
 * The request pipeline, in order (DESIGN §1). Set on Yoga itself: CORS, the batch limit, the context builder
 * and maskError (src/http/masked-errors.ts), which useMaskedErrors completes.
 */
export function plugins(services: Services, trustedDocuments: ReadonlyMap<string, DocumentNode>): Plugin[] {
  return [
    useRequestId(),
    useRequestObservation(services.metrics, services.config.accessLog ? services.logger : null),
    ...(services.config.otlpEndpoint === null ? [] : [useTracing()]),
    useBodyLimit(MAX_BODY_BYTES),
    useMetricsRoute(services.metrics, services.config.metricsToken),
    useRoutes(services),
    useOAuthRoutes(services),
    useSocialCallback(services),
    usePages(services),
    useAdminConsole(services),
    useCsrfPrevention(['x-graphql-yoga-csrf', 'apollo-require-preflight']),
    useSupportedMediaTypes(),
    ...useTrustedDocuments(trustedDocuments, services.config.trustedDocuments),
    useOneCredentialCheck(),
    ...useOperationLimits({ ...OPERATION_LIMITS, cost: services.config.maxQueryCost }),
    useNoNulCharacters(),
    ...(services.config.production ? [useNoIntrospection(), useNoSuggestions()] : []),
    useOperationMetrics(services.metrics),
    useApiKeyUsage(services.usage),
    useResponseEffects(),
    useScopeCacheRelease(),
    useMaskedErrors(services.logger),
    useRequestRelease(),
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
