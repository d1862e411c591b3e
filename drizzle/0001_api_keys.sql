CREATE TABLE "api_key_usage_daily" (
	"key_id" uuid NOT NULL,
	"start" timestamp with time zone NOT NULL,
	"requests" integer DEFAULT 0 NOT NULL,
	"rate_limited" integer DEFAULT 0 NOT NULL,
	"errors" integer DEFAULT 0 NOT NULL,
	CONSTRAINT "api_key_usage_daily_key_id_start_pk" PRIMARY KEY("key_id","start")
);
--> statement-breakpoint
CREATE TABLE "api_key_usage_hourly" (
	"key_id" uuid NOT NULL,
	"start" timestamp with time zone NOT NULL,
	"requests" integer DEFAULT 0 NOT NULL,
	"rate_limited" integer DEFAULT 0 NOT NULL,
	"errors" integer DEFAULT 0 NOT NULL,
	CONSTRAINT "api_key_usage_hourly_key_id_start_pk" PRIMARY KEY("key_id","start")
);
--> statement-breakpoint
CREATE TABLE "api_key_usage" (
	"key_id" uuid NOT NULL,
	"start" timestamp with time zone NOT NULL,
	"requests" integer DEFAULT 0 NOT NULL,
	"rate_limited" integer DEFAULT 0 NOT NULL,
	"errors" integer DEFAULT 0 NOT NULL,
	CONSTRAINT "api_key_usage_key_id_start_pk" PRIMARY KEY("key_id","start")
);
--> statement-breakpoint
CREATE TABLE "api_keys" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"owner_id" uuid NOT NULL,
	"name" text NOT NULL,
	"hash" text NOT NULL,
	"start" text NOT NULL,
	"environment" text NOT NULL,
	"scopes" text[] DEFAULT '{}'::text[] NOT NULL,
	"rate_limit" integer,
	"rate_window_seconds" integer,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"expires_at" timestamp with time zone,
	"revoked_at" timestamp with time zone,
	"last_used_at" timestamp with time zone,
	"previous_hash" text,
	"previous_hash_expires_at" timestamp with time zone,
	CONSTRAINT "api_keys_hash_unique" UNIQUE("hash")
);
--> statement-breakpoint
CREATE INDEX "api_key_usage_daily_start_idx" ON "api_key_usage_daily" USING btree ("start");--> statement-breakpoint
CREATE INDEX "api_key_usage_hourly_start_idx" ON "api_key_usage_hourly" USING btree ("start");--> statement-breakpoint
CREATE INDEX "api_key_usage_start_idx" ON "api_key_usage" USING btree ("start");--> statement-breakpoint
CREATE INDEX "api_keys_owner_id_idx" ON "api_keys" USING btree ("owner_id","created_at");--> statement-breakpoint
CREATE INDEX "api_keys_previous_hash_idx" ON "api_keys" USING btree ("previous_hash");