from weamlib.cli import main

raise SystemExit(main())
