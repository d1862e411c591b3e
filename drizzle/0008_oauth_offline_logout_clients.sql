ALTER TABLE "oauth_clients" ADD COLUMN "grant_types" text[] DEFAULT '{authorization_code,refresh_token,client_credentials}'::text[] NOT NULL;--> statement-breakpoint
ALTER TABLE "oauth_clients" ADD COLUMN "require_par" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "oauth_clients" ADD COLUMN "dpop_bound" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "oauth_clients" ADD COLUMN "post_logout_redirect_uris" text[] DEFAULT '{}'::text[] NOT NULL;--> statement-breakpoint
ALTER TABLE "oauth_codes" ADD COLUMN "consent_session_id" uuid;--> statement-breakpoint
ALTER TABLE "sessions" ADD COLUMN "ends_with_session_id" uuid;--> statement-breakpoint
CREATE INDEX "sessions_ends_with_session_id_idx" ON "sessions" USING btree ("ends_with_session_id");