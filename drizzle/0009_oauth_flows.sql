CREATE TABLE "oauth_device_codes" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"device_code_hash" text NOT NULL,
	"user_code_hash" text NOT NULL,
	"client_id" text NOT NULL,
	"scopes" text[] NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"user_id" uuid,
	"auth_time" timestamp with time zone,
	"amr" text[] DEFAULT '{}'::text[] NOT NULL,
	"consent_session_id" uuid,
	"interval_seconds" integer DEFAULT 5 NOT NULL,
	"last_polled_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"used_at" timestamp with time zone,
	CONSTRAINT "oauth_device_codes_device_code_hash_unique" UNIQUE("device_code_hash"),
	CONSTRAINT "oauth_device_codes_user_code_hash_unique" UNIQUE("user_code_hash")
);
--> statement-breakpoint
CREATE TABLE "oauth_pushed_requests" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"hash" text NOT NULL,
	"client_id" text NOT NULL,
	"parameters" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"used_at" timestamp with time zone,
	CONSTRAINT "oauth_pushed_requests_hash_unique" UNIQUE("hash")
);
--> statement-breakpoint
ALTER TABLE "oauth_clients" ADD COLUMN "grant_types" text[] DEFAULT '{authorization_code,refresh_token,client_credentials}'::text[] NOT NULL;--> statement-breakpoint
ALTER TABLE "oauth_clients" ADD COLUMN "require_par" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "oauth_clients" ADD COLUMN "post_logout_redirect_uris" text[] DEFAULT '{}'::text[] NOT NULL;--> statement-breakpoint
ALTER TABLE "oauth_codes" ADD COLUMN "consent_session_id" uuid;--> statement-breakpoint
ALTER TABLE "sessions" ADD COLUMN "ends_with_session_id" uuid;--> statement-breakpoint
CREATE INDEX "oauth_device_codes_expires_at_idx" ON "oauth_device_codes" USING btree ("expires_at");--> statement-breakpoint
CREATE INDEX "oauth_pushed_requests_expires_at_idx" ON "oauth_pushed_requests" USING btree ("expires_at");--> statement-breakpoint
CREATE INDEX "sessions_ends_with_session_id_idx" ON "sessions" USING btree ("ends_with_session_id");