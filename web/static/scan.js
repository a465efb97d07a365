'use strict';
applyTexts();
