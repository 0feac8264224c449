/**
 * Runs in every test worker before its spec file: selects the TensorFlow.js backend (honouring
 * TFJS_BACKEND), so that every tfjs spec runs on the backend named in its title.
 */
import { initBackend } from '../../src/core/backend.js';

export const backendReport = await initBackend();
