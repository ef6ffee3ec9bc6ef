#!/usr/bin/env -S node --max-semi-space-size=128

require('../dist/main.js');
