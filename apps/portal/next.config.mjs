import { webAppNextConfig } from '../../libs/ui/next-config.mjs';

export default webAppNextConfig(import.meta.dirname);
