export const NEW_PASSWORD = 'a brand new passphrase';

export const REQUEST_PASSWORD_RESET = /* GraphQL */ `
  mutation RequestReset($email: String!) {
    requestPasswordReset(input: { email: $email }) {
      __typename
      ... on RequestAcceptedPayload { accepted }
      ... on Error { code message }
      ... on RateLimitedError { retryAfterSeconds }
      ... on ValidationError { field }
    }
  }`;

export const RESET_PASSWORD = /* GraphQL */ `
  mutation Reset($token: String!, $newPassword: String!) {
    resetPassword(input: { token: $token, newPassword: $newPassword }) {
      __typename
      ... on ResetPasswordPayload { revokedSessions }
      ... on Error { code message }
      ... on ValidationError { field }
    }
  }`;

export const REQUEST_EMAIL_VERIFICATION = /* GraphQL */ `
  mutation RequestVerification {
    requestEmailVerification {
      __typename
      ... on RequestAcceptedPayload { accepted }
      ... on Error { code }
      ... on RateLimitedError { retryAfterSeconds }
    }
  }`;

export const VERIFY_EMAIL = /* GraphQL */ `
  mutation Verify($token: String!) {
    verifyEmail(input: { token: $token }) {
      __typename
      ... on User { id email emailVerified }
      ... on Error { code message }
    }
  }`;

export const MAIL_OUTBOX = /* GraphQL */ `
  query Outbox($first: Int, $after: String) {
    mailOutbox(first: $first, after: $after) {
      edges { node { id to subject text html createdAt sentAt } }
      pageInfo { hasNextPage endCursor }
    }
  }`;
