#!/usr/bin/env node
'use strict';
// Thin launcher: the compiled server lives in dist/ (built by the package's prepare script).
require('../dist/src/main.js');
