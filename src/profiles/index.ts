export type { Profile, PositionRule, BodyMatch } from './profile.js';
export { PROFILES, findProfile } from './meters.js';
export { interpretBody, type Interpretation, type InterpretContext } from './detect.js';
export { readDsmr, isDsmr, dsmrTimeToIso } from './dsmr.js';
