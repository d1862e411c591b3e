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
CREATE INDEX "oauth_pushed_requests_expires_at_idx" ON "oauth_pushed_requests" USING btree ("expires_at");